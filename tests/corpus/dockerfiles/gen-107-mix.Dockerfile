ARG BASE=alpine
FROM scratch
SHELL ["powershell", "-command"]
RUN echo trailing \
Copy . /src
