FROM a
LABEL "key with space"=value 'k2'="v 2"
