FROM alpine
LABEL single value with spaces
