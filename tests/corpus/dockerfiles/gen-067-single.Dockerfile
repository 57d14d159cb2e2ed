FROM alpine
COPY --from=0 / /
