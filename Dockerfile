# Buurtwacht: a Telegram bot for buurtpreventie.
# Build: docker build -t buurtwacht .
# Run:   docker run -e BUURTWACHT_TOKEN=... -v buurtwacht-data:/data -v $PWD/config.toml:/app/config.toml:ro buurtwacht
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locale ./locale
COPY config.example.toml ./
RUN pip install . && useradd --system --uid 10001 --home-dir /data buurtwacht \
    && mkdir -p /data && chown buurtwacht /data

# The database lives on a volume; point [bot] database at /data/buurtwacht.db in config.toml.
VOLUME ["/data"]
ENV BUURTWACHT_LOCALE_DIR=/app/locale
USER buurtwacht
EXPOSE 8443 9090

# [health] port = 9090 (and listen = "0.0.0.0") must be set in config.toml for this check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:9090/healthz', timeout=4).status == 200 else 1)"

ENTRYPOINT ["buurtwacht"]
CMD ["run", "--config", "/app/config.toml"]
