FROM python:3.11-slim
RUN useradd --create-home app
USER app
HEALTHCHECK CMD curl -f http://localhost:8080/health || exit 1
CMD ["python", "/app/serve.py"]
