# escape=`
FROM a
ENV x=a`"b y="c`"d"
