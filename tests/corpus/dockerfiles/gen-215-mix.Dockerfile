FROM alpine
EXPOSE 80
LABEL "com.example.vendor"="ACME Inc" description="multi \
    line"
