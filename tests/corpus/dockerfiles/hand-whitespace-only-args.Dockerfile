FROM a
RUN    
CMD	
