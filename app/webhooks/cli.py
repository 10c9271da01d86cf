"""`zhaoshang webhooks deliver`: one delivery pass, for cron."""

import typer
from sqlmodel import Session

from app.console import reported
from app.db import get_engine, write_bind
from app.webhooks.service import deliver_pending

webhooks_app = typer.Typer(help="Webhook deliveries.", no_args_is_help=True)


@webhooks_app.callback()
def webhooks() -> None:
    """Webhook deliveries."""
    # A callback keeps `deliver` a subcommand even while it is the only one.


@webhooks_app.command("deliver")
def webhooks_deliver() -> None:
    """One delivery pass: fan new events out to subscriptions, send what is due, record
    each outcome. Safe to run from cron every minute, also beside the app's own task."""
    engine = get_engine()

    def factory(write: bool) -> Session:
        return Session(write_bind(engine) if write else engine, expire_on_commit=False)

    with reported():
        report = deliver_pending(factory)
    typer.echo(f"Fanned out {report.fanned_out}; delivered {report.delivered}, "
               f"retrying {report.retrying}, failed {report.failed}.")
