FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
RUN -- --not-a-flag
WORKDIR relative/dir
RUN --network=host --security=insecure make
EXPOSE 80
Copy ["file with space", "/dst/"]
RUN  <<"EOF" sh -x
literal $X
EOF
FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
MAINTAINER John Doe <john@example.com>
