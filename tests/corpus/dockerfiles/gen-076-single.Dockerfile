FROM alpine
  RUN   echo   leading whitespace   
