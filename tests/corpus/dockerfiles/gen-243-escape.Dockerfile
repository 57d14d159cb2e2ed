# escape=`
FROM mcr.microsoft.com/windows
RUN echo `

  after empty
