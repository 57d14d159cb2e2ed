FROM alpine
RUN echo trailing \
RUN	echo	tabs
ONBUILD COPY . /src
RUN <<EOF
echo heredoc
EOF
FROM alpine
# just a comment
RUN echo after comment
