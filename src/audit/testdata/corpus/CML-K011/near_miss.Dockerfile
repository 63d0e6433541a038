FROM python:3.11-slim AS build
RUN pip wheel -w /wheels churnml
FROM build
FROM debian@sha256:0000000000000000000000000000000000000000000000000000000000000000
FROM scratch
COPY --from=build /wheels /wheels
USER 1000
HEALTHCHECK CMD true
