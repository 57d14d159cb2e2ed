ARG A=1
FROM a AS one
RUN 1
FROM one AS two
COPY --from=one x y
FROM two
