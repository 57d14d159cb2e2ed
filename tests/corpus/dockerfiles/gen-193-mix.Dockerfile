FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
EXPOSE 80/tcp 443/tcp 53/udp
RUN echo 'single "quoted"' "double 'quoted'"
UNKNOWNINSTR  some args
USER ${APP_USER}
WORKDIR relative/dir
CMD ["nginx", "-g", "daemon off;"]
