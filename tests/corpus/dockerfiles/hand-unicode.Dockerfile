FROM a
LABEL desc="café ☕"
RUN echo €
