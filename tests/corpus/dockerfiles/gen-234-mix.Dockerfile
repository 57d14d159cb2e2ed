ARG BASE=alpine
FROM scratch
Volume /data
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 CMD curl -f http://localhost/ || exit 1