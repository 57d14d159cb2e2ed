FROM a
RUN echo \\
RUN next
