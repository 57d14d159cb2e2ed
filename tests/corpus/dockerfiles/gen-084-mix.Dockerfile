FROM alpine
run --mount=type=bind,from=build,source=/out,target=/in cp -r /in /dst
Run echo hello
EXPOSE ${PORT:-8080}
RUN 3<<EOF cat /dev/fd/3
fd three
EOF
ONBUILD  ENTRYPOINT ["/x"]
USER ${APP_USER}
from debian:12 as base
RUN python3 <<PY
print('hi')
PY
ONBUILD COPY . /src