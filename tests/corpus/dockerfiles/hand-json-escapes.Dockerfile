FROM a
CMD ["a\tb", "\u00e9", "c\\d"]
