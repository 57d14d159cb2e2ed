FROM alpine
RUN ["broken json"
