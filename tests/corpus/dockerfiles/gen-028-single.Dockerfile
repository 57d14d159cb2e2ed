FROM alpine
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
