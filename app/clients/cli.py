"""`zhaoshang clients ...`: agency API clients, and the purge of old idempotency keys."""

from typing import Annotated

import typer

from app.accounts.permissions import Actor
from app.clients.service import SCOPES, create_client, list_clients, revoke_client
from app.console import reported
from app.db import session_scope, utcnow
from app.web import idempotency

clients_app = typer.Typer(help="Agency API clients and their tokens.", no_args_is_help=True)
CLI_ACTOR = Actor.system("cli")


@clients_app.command("create")
def clients_create(
    name: Annotated[str, typer.Argument(help="The agency, e.g. 自然资源局.")],
    scope: Annotated[list[str], typer.Option("--scope", help=f"Repeatable: {', '.join(SCOPES)}.")],
    county: Annotated[str | None, typer.Option(
        "--county", help="County code it is limited to; omit for the whole city.")] = None,
    days: Annotated[int, typer.Option("--days", help="Days until the token expires.")] = 365,
    rate_limit: Annotated[int | None, typer.Option(
        "--rate-limit", help="Requests a minute (default: API_RATE_LIMIT_PER_MINUTE).")] = None,
) -> None:
    """Create a client and print its token (shown only now; only a hash is stored)."""
    with reported(), session_scope() as session:
        new = create_client(session, CLI_ACTOR, name=name, scopes=scope, county_code=county,
                            days=days, rate_limit_per_minute=rate_limit)
        client_id, expires = new.client.id, new.client.expires_at
    typer.echo(f"Created API client {name} (id {client_id}), valid until "
               f"{expires:%Y-%m-%d}. Its token, shown only this once:")
    typer.secho(new.token, bold=True)


@clients_app.command("list")
def clients_list() -> None:
    """Every client: id, name, scopes, county, expiry, state."""
    now = utcnow()
    with reported(), session_scope(write=False) as session:
        rows = list_clients(session, CLI_ACTOR)
        for c in rows:
            state = ("revoked" if c.revoked_at else "expired" if c.expires_at <= now
                     else "active")
            typer.echo(f"{c.id}\t{c.name}\t{c.scopes}\t{c.county_code or 'city'}\t"
                       f"{c.token_prefix}…\t{c.expires_at:%Y-%m-%d}\t{state}")
    if not rows:
        typer.echo("No API clients.")


@clients_app.command("revoke")
def clients_revoke(client_id: Annotated[int, typer.Argument(help="The client's id.")]) -> None:
    """Revoke a client's token; every app process refuses it from the next request."""
    with reported(), session_scope() as session:
        client = revoke_client(session, CLI_ACTOR, client_id)
        name = client.name
    typer.echo(f"Revoked API client {name} (id {client_id}).")


@clients_app.command("purge")
def clients_purge() -> None:
    """Delete idempotency keys older than 24 hours (run it daily from cron)."""
    with reported(), session_scope() as session:
        removed = idempotency.purge(session)
    typer.echo(f"Removed {removed} old idempotency keys.")
