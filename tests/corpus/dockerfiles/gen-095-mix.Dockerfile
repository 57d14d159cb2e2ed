FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
COPY --from=build /out/app /usr/local/bin/app
RUN echo a \

    b
run [not json]
MAINTAINER John Doe <john@example.com>
Run  --mount=type=tmpfs,target=/tmp,size=64m --network=none true
ARG VERSION
