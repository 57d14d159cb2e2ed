FROM scratch
RUN  echo hello
LABEL single value with spaces
COPY . /src
ADD https://example.com/archive.tar.gz /tmp/
ARG QUOTED="x y"
ENV  PATH=/usr/local/bin:$PATH LANG=C.UTF-8
