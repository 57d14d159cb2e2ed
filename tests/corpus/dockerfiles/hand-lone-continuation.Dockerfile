\
FROM a
