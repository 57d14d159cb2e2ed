FROM a
CMD ["a"] extra
