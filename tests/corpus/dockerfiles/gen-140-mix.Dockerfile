FROM ${BASE:-busybox}
CMD ["nginx", "-g", "daemon off;"]
STOPSIGNAL 9
RUN ["echo", "exec form"]
FROM ${BASE:-busybox}
WORKDIR $HOME/src
Cmd  ["nginx", "-g", "daemon off;"]
arg VERSION=1.2.3 REVISION
