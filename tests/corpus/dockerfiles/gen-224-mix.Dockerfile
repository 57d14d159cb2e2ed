from debian:12 as base
RUN python3 <<PY
print('hi')
PY
VOLUME ["/var/log", "/var/db"]
Cmd  ["nginx", "-g", "daemon off;"]
FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
RUN ["broken json"
