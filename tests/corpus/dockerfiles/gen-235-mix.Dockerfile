FROM ${BASE:-busybox}
STOPSIGNAL  9
RUN  <<"EOF" sh -x
literal $X
EOF
UNKNOWNINSTR some args
RUN -- --not-a-flag
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit
Shell ["/bin/bash", "-o", "pipefail", "-c"]
