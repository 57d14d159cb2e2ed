#  ESCAPE = `  
FROM a
RUN x `
 y
