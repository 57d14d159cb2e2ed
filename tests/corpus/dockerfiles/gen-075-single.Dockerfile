FROM alpine
RUN echo $HOME ${HOME} ${UNSET:-default}
