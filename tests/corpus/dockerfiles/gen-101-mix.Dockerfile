FROM scratch
# just a comment
RUN echo after comment
LABEL "com.example.vendor"="ACME Inc" description="multi \
    line"
RUN python3 <<PY
print('hi')
PY
CMD nginx -g 'daemon off;'
FROM --platform=linux/arm64 busybox AS arm
label "com.example.vendor"="ACME Inc" description="multi \
    line"
env MULTI=one \
    TWO=two
