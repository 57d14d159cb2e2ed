ARG a="b c" d='e f' g
FROM a
