FROM a
RUN [ -f /x ] && echo yes
