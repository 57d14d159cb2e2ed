FROM alpine
# just a comment
RUN echo after comment
COPY ["file with space", "/dst/"]
copy --from=build /out/app /usr/local/bin/app
ARG VERSION=1.2.3 REVISION
ENV MULTI=one \
    TWO=two
