# Buurtwacht: a Telegram bot for buurtpreventie.
# Build: docker build -t buurtwacht .
# Run:   docker run -e BUURTWACHT_TOKEN=... -v buurtwacht-data:/data -v $PWD/config.toml:/app/config.toml:ro buurtwacht
# Not built or run on the development machines (a Docker client but no engine there): it was
# linted with hadolint 2.15 (clean) and tests/test_ops.py parses it. See deploy/README.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
# The catalogs' source; the wheel built by `pip install .` carries them as bot/locale.
COPY locale ./locale
COPY config.example.toml ./
RUN pip install . && useradd --system --uid 10001 --home-dir /data buurtwacht \
    && mkdir -p /data && chown buurtwacht /data

# The database lives on a volume; point [bot] database at /data/buurtwacht.db in config.toml.
VOLUME ["/data"]
# /healthz for the HEALTHCHECK below, whatever the mounted config says (it overrides [health]
# port). It listens on 127.0.0.1 inside the container; set BUURTWACHT_HEALTH_LISTEN=0.0.0.0
# and publish 9090 only if Prometheus must scrape /metrics from outside.
ENV BUURTWACHT_HEALTH_PORT=9090
# Numeric, so the host (and Kubernetes' runAsNonRoot) can tell it is not root.
USER 10001
EXPOSE 8443 9090

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:9090/healthz', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["buurtwacht"]
CMD ["run", "--no-demo", "--config", "/app/config.toml"]
