FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
EXPOSE 80
ADD  --unpack=false --link a.tar /x/
WORKDIR /app
STOPSIGNAL 9
