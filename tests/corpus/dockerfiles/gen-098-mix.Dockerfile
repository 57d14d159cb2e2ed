FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
COPY . /src
  RUN   echo   leading whitespace   
RUN echo $HOME ${HOME} ${UNSET:-default}
ONBUILD ADD --chown=1:1 a b
# just a comment
RUN echo after comment
COPY  ["file with space", "/dst/"]
