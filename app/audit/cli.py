"""`zhaoshang audit ...`: checking the audit trail's hash chain from the command line."""

import sqlalchemy as sa
import typer

from app.audit.service import verify_chain
from app.db import session_scope

audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


@audit_app.callback()
def audit() -> None:
    """The tamper-evident audit trail."""
    # A callback keeps `verify` a subcommand even while it is the only one.


@audit_app.command("verify")
def verify() -> None:
    """Walk the hash chain; exit 1 naming the first row that was changed or removed."""
    try:
        with session_scope(write=False) as session:
            result = verify_chain(session)
    except sa.exc.DBAPIError as exc:
        typer.secho(
            f"Database error: {exc.orig}\n"
            "Is DATABASE_URL right, and has `zhaoshang db upgrade` been run?",
            fg=typer.colors.RED, err=True,
        )
        raise typer.Exit(1) from None
    if not result.ok:
        typer.secho(f"BROKEN at row {result.first_broken_id}: {result.reason}",
                    fg=typer.colors.RED)
        typer.echo(f"{result.checked} rows before it are intact.")
        raise typer.Exit(1)
    typer.echo(f"OK: {result.checked} rows, chain intact")
    if result.head_hash:
        # Noted down elsewhere, this also catches the newest rows being removed.
        typer.echo(f"Head hash: {result.head_hash}")
