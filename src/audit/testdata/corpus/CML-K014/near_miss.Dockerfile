FROM debian:12
USER 1000
HEALTHCHECK --interval=30s CMD curl -f http://localhost/health || exit 1
CMD ["serve"]
