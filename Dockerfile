# Hotline in a container: `docker build -t hotline .`, then
#   docker run -d --name hotline -e DISCORD_TOKEN=... -v hotline-data:/data hotline
#   docker exec hotline python -m bot backup /data/backup.db
# Two stages: the builder installs the locked runtime dependencies (every file hash-checked) into a
# virtual environment; the final image is that environment and the source, run by an unprivileged
# user, with the store on a volume at /data.

FROM python:3.11.13-slim-bookworm AS builder
WORKDIR /build
COPY requirements.lock pyproject.toml ./
COPY docker/runtime_requirements.py docker/
# Only the runtime part of the lock (its own pins and hashes; the dev tools stay out of the image).
RUN python docker/runtime_requirements.py requirements.lock pyproject.toml > runtime.lock \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check --require-hashes --no-deps -r runtime.lock

FROM python:3.11.13-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOTLINE_DB=/data/hotline.db \
    HOTLINE_HTTP_PORT=8080 \
    HOTLINE_HTTP_HOST=0.0.0.0 \
    MPLCONFIGDIR=/tmp/matplotlib
# A system user without a shell or a home; /data is its one writable place.
RUN groupadd --system --gid 10001 hotline \
    && useradd --system --uid 10001 --gid hotline --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin hotline \
    && mkdir /data \
    && chown hotline:hotline /data
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# The source last, owned by root: the bot's user may read it, not change it.
COPY config/ config/
COPY storage/ storage/
COPY commands/ commands/
COPY charts/ charts/
COPY bot/ bot/
COPY samples/ samples/
COPY docker/healthcheck.py docker/
USER 10001:10001
VOLUME ["/data"]
# /healthz and /metrics on 8080 (all interfaces inside the container, for the orchestrator and
# Prometheus; publish it only to them). The health check asks the bot's own /healthz: its store
# answers and every platform is connected (docker/healthcheck.py).
EXPOSE 8080
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 CMD ["python", "docker/healthcheck.py"]
# Exec form: SIGTERM from `docker stop` reaches Python, not a shell.
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
