# escape=`
FROM mcr.microsoft.com/windows
COPY c:\src `
  c:\dst
