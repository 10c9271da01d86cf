"""How the domains' commands (app.*.cli) report errors a user can act on: a red line, no
traceback, exit status 1."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import sqlalchemy as sa
import typer

from app.errors import AppError


def fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@contextmanager
def reported() -> Iterator[None]:
    try:
        yield
    except AppError as exc:
        fail(exc.detail())
    except sa.exc.DBAPIError as exc:
        fail(f"Database error: {exc.orig}\n"
             "Is DATABASE_URL right, and has `zhaoshang db upgrade` been run?")
