FROM a AS b c
