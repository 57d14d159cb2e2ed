# syntax=docker/dockerfile:1
FROM ${BASE:-busybox}
RUN echo 'single "quoted"' "double 'quoted'"
ADD <<EOF /x
$HOME
EOF
RUN --mount=type=tmpfs,target=/tmp,size=64m --network=none true
ADD --unpack=false --link a.tar /x/
volume /a /b /c
  RUN   echo   leading whitespace   
