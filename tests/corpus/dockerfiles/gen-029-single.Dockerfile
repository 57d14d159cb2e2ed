FROM alpine
SHELL ["powershell", "-command"]
