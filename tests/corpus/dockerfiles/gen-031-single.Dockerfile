FROM alpine
LABEL "com.example.vendor"="ACME Inc" description="multi \
    line"
