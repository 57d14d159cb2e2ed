FROM a
CMD   [ "a" , "b" ]   
