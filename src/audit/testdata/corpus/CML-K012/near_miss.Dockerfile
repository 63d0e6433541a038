FROM debian:12
ADD model.tar.gz /models/
USER 1000
HEALTHCHECK CMD true
