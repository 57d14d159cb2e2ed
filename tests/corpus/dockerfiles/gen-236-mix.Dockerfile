FROM scratch
EXPOSE  80
ENV  LEGACY value with spaces
UNKNOWNINSTR some args
LABEL maintainer="someone@example.com" version=1.0
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY <<EOF /etc/config
key=value
EOF
