FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
RUN --mount=type=bind,from=build,source=/out,target=/in cp -r /in /dst
COPY  --parents --exclude=*.tmp ./a/ ./b/ /dst/
RUN python3 <<PY
print('hi')
PY
VOLUME  /a /b /c
Copy ["file with space", "/dst/"]
