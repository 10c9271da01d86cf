# syntax=docker/dockerfile:1
# 招商通 zhaoshang. Build: docker build -t zhaoshang .   Run with PostgreSQL: compose.yaml.
#
# The source tree lives at /app and is installed in editable mode, so app.config.PROJECT_ROOT
# is /app and templates/, static/, migrations/ and alembic.ini are found next to app/.

FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# Dependencies from the metadata and an empty package, so a code change reuses this layer;
# the editable install points at /app/app, where the runtime stage puts the real source.
COPY pyproject.toml README.md ./
RUN mkdir app && touch app/__init__.py && pip install -e .

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ENVIRONMENT=production \
    DATABASE_URL=sqlite:////app/var/zhaoshang.db \
    WEB_CONCURRENCY=4
RUN useradd --system --user-group --uid 10001 --home-dir /app --no-create-home zhaoshang
# pg_dump / pg_restore for `zhaoshang backup` / `restore`, from the PostgreSQL project's
# repository: their major version must be the server's (compose.yaml runs postgres:16).
ARG PG_MAJOR=16
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates postgresql-common \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends "postgresql-client-${PG_MAJOR}" \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY docker/entrypoint.sh /usr/local/bin/zhaoshang-entrypoint
# Code stays root-owned and read-only; only var/ (the SQLite default) is writable.
RUN chmod 0755 /usr/local/bin/zhaoshang-entrypoint \
    && python -m compileall -q app migrations \
    && mkdir -p var && chown zhaoshang:zhaoshang var
USER zhaoshang
EXPOSE 8000
ENTRYPOINT ["zhaoshang-entrypoint"]
