FROM debian:12
ARG PYTHON_VERSION=3.11
ENV LOG_LEVEL=info
RUN --mount=type=secret,id=api_token cat /run/secrets/api_token
USER 1000
HEALTHCHECK CMD true
