FROM alpine
COPY ["file with space", "/dst/"]
