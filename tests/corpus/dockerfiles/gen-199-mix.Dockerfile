FROM --platform=linux/arm64 busybox AS arm
UNKNOWNINSTR  some args
RUN echo 'single "quoted"' "double 'quoted'"
ADD --checksum=sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb https://example.com/f /f
