# escape=`
FROM mcr.microsoft.com/windows
ENV WIN=C:\Windows
