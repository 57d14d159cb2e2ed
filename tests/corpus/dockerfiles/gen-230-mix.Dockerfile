from debian:12 as base
LABEL  "com.example.vendor"="ACME Inc" description="multi \
    line"
COPY --from=0 / /
SHELL ["powershell", "-command"]
RUN cat <<A && cat <<B
first
A
second
B
LABEL maintainer="someone@example.com" version=1.0
ARG VERSION
FROM --platform=linux/arm64 busybox AS arm
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit
RUN echo $HOME ${HOME} ${UNSET:-default}
