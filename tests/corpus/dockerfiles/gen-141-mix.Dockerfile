FROM alpine:3.19 AS build
# just a comment
RUN echo after comment
COPY --from=build /out/app /usr/local/bin/app
ADD --checksum=sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb https://example.com/f /f
UNKNOWNINSTR some args
