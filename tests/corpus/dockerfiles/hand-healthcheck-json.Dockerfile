FROM a
HEALTHCHECK --interval=5s CMD ["a", "b"]
