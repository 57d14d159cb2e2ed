FROM alpine
UNKNOWNINSTR some args
