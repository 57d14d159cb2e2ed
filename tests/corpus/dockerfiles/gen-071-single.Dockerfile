FROM alpine
ADD --unpack=false --link a.tar /x/
