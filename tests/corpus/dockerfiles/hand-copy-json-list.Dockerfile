FROM a
COPY ["a", "b", "/c/"]
