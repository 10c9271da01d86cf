#!/bin/sh
# With no arguments: check the settings, migrate to head and serve (`zhaoshang serve` prints
# what it checked and keeps uvicorn's Server header off). With arguments: run them instead,
# e.g. `docker compose run --rm app zhaoshang user create admin --name 管理员 --role admin`.
set -eu

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

exec zhaoshang serve --host 0.0.0.0 --port "${PORT:-8000}" --workers "${WEB_CONCURRENCY:-4}"
