FROM alpine
WORKDIR /app
