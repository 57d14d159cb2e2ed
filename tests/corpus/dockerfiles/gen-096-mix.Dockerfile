FROM scratch
  RUN   echo   leading whitespace   
ONBUILD COPY . /src
