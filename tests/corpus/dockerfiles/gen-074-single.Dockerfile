FROM alpine
RUN echo 'single "quoted"' "double 'quoted'"
