FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
LABEL single value with spaces
RUN	echo	tabs
Copy <<A <<B /dir/
a
A
b
B
ONBUILD RUN echo triggered
