#!/bin/sh
# With no arguments: migrate to head, then serve. With arguments: run them instead,
# e.g. `docker compose run --rm app zhaoshang user create admin --name 管理员 --role admin`.
set -eu

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

zhaoshang db upgrade
exec uvicorn --factory app.main:create_app \
    --workers "${WEB_CONCURRENCY:-4}" --host 0.0.0.0 --port 8000
