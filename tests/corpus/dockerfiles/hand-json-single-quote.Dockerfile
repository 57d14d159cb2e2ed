FROM a
CMD ['a']
