FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
RUN cat <<A && cat <<B
first
A
second
B
run echo multi \
  \
  continued
EXPOSE 80
COPY <<A <<B /dir/
a
A
b
B
Copy --from=build /out/app /usr/local/bin/app
FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
WORKDIR relative/dir
Workdir /app
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
