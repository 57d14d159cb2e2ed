from debian:12 as base
LABEL "com.example.vendor"="ACME Inc" description="multi \
    line"
RUN --mount=type=tmpfs,target=/tmp,size=64m --network=none true
COPY  . /src
UNKNOWNINSTR some args
