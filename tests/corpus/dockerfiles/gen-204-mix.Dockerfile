FROM scratch
RUN ["broken json"
WORKDIR  $HOME/src
EXPOSE 80
USER nobody
Env PATH=/usr/local/bin:$PATH LANG=C.UTF-8
