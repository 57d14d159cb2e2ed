from debian:12 as base
HEALTHCHECK --start-interval=1s CMD ["/bin/check", "--quick"]
SHELL ["powershell", "-command"]
