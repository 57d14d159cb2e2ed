FROM alpine
COPY --from=build /out/app /usr/local/bin/app
