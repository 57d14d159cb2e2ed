FROM --platform=linux/arm64 busybox AS arm
   RUN   echo   leading whitespace   
RUN  --network=host --security=insecure make
