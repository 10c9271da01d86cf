"""The `zhaoshang` command line: serve, migrate, load the demo, create users.

Every command reads DATABASE_URL (and the other settings) from the environment, like the
web app. Errors a user can act on are printed in red, without a traceback, and exit 1.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn, Protocol

import sqlalchemy as sa
import typer
import uvicorn
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from pydantic import ValidationError

from app.accounts.service import create_user
from app.audit.cli import audit_app
from app.backup.service import KIND_NAMES, BackupError, create_backup, restore_backup
from app.clients.cli import clients_app
from app.config import (
    PROJECT_ROOT,
    Settings,
    describe_database,
    describe_settings_error,
    get_settings,
    startup_report,
)
from app.crypto import (
    KEY_ID_PATTERN,
    UnreadableValue,
    dev_key_entry,
    keyring,
    new_key_entry,
    rotate,
)
from app.db import create_db_engine, session_scope, utcnow
from app.errors import AppError
from app.projects.models import Project
from app.webhooks.cli import webhooks_app

app = typer.Typer(
    name="zhaoshang",
    help="招商通 zhaoshang: investment-attraction CRM.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
keys_app = typer.Typer(help="Keys for personal data at rest (DATA_KEYS).",
                       no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(user_app, name="user")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(clients_app, name="clients")
app.add_typer(webhooks_app, name="webhooks")


def fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turns the errors a user can act on into a red line and exit status 1."""
    try:
        yield
    except AppError as exc:
        fail(exc.detail())
    except BackupError as exc:
        fail(str(exc))
    except CommandError as exc:
        fail(f"Migration error: {exc}")
    except UnreadableValue as exc:
        fail(f"{exc}. Is every key it may be under still in DATA_KEYS?")
    except sa.exc.DBAPIError as exc:
        fail(
            f"Database error: {exc.orig}\n"
            "Is DATABASE_URL right, and has `zhaoshang db upgrade` been run?"
        )


def load_settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        fail("Invalid settings:\n" + describe_settings_error(exc))


def alembic_config(database_url: str) -> Config:
    """The project's Alembic config, aimed at `database_url`, leaving logging alone."""
    # stdout is bound per call: Config's default is the sys.stdout of import time.
    config = Config(str(PROJECT_ROOT / "alembic.ini"), stdout=sys.stdout)
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    return config


def current_revisions(database_url: str) -> tuple[str, ...]:
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            return tuple(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


def describe_revisions(config: Config, revisions: tuple[str, ...]) -> str:
    if not revisions:
        return "base (no migrations applied)"
    heads = set(ScriptDirectory.from_config(config).get_heads())
    return ", ".join(f"{rev} (head)" if rev in heads else rev for rev in revisions)


def upgrade_database(database_url: str, revision: str = "head") -> tuple[str, ...]:
    """Applies migrations up to `revision`; returns the revisions the database is at."""
    command.upgrade(alembic_config(database_url), revision)
    return current_revisions(database_url)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply migrations up to REVISION (default: head)."""
    settings = load_settings()
    config = alembic_config(settings.database_url)
    with reported_errors():
        before = current_revisions(settings.database_url)
        after = upgrade_database(settings.database_url, revision)
    report_upgrade(config, before, after)


def report_upgrade(config: Config, before: tuple[str, ...], after: tuple[str, ...]) -> None:
    if before == after:
        typer.echo(f"Database already at {describe_revisions(config, after)}.")
    else:
        typer.echo(
            f"Database upgraded from {describe_revisions(config, before)} "
            f"to {describe_revisions(config, after)}."
        )


# ignore_unknown_options lets `db downgrade -1` pass -1 as the revision, not as an option.
@db_app.command("downgrade", context_settings={"ignore_unknown_options": True})
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, or -N steps.")] = "-1",
) -> None:
    """Revert migrations down to REVISION (default: one step back; `base` reverts all)."""
    settings = load_settings()
    config = alembic_config(settings.database_url)
    with reported_errors():
        command.downgrade(config, revision)
        after = current_revisions(settings.database_url)
    typer.echo(f"Database downgraded to {describe_revisions(config, after)}.")


@db_app.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    settings = load_settings()
    config = alembic_config(settings.database_url)
    with reported_errors():
        revisions = current_revisions(settings.database_url)
    typer.echo(describe_revisions(config, revisions))


class DemoSummary(Protocol):
    """What app.demo.load_demo returns: counts loaded now (0 when already there), login.
    It takes the session and `progress(done, total)`, called before the first project and
    after each one."""

    projects: int
    users: int
    demo_username: str
    demo_password: str


def print_demo_summary(summary: DemoSummary) -> None:
    if summary.projects or summary.users:
        typer.echo(f"Loaded demo data: {summary.projects} projects, {summary.users} users.")
    else:
        typer.echo("Demo data is already there; nothing loaded.")
    if summary.demo_username:
        typer.echo(f"Demo login: {summary.demo_username} / {summary.demo_password}")


def run_load_demo() -> DemoSummary:
    try:
        # Imported here so every other command works in a build without the demo.
        from app.demo import load_demo
    except ImportError as exc:
        if exc.name != "app.demo":
            raise
        fail("Demo data is not available in this build (app.demo is missing).")
    with reported_errors(), session_scope() as session:
        return load_demo(session, progress=print_demo_progress)


def print_demo_progress(done: int, total: int) -> None:
    """A line at the start and at every tenth of the projects: a first run takes a while."""
    if done == total or done % max(1, total // 10) == 0:
        typer.echo(f"Loading demo data: {done}/{total} projects")


@demo_app.command("load")
def demo_load() -> None:
    """Load the demo data (does nothing if it is already there)."""
    load_settings()
    print_demo_summary(run_load_demo())


def count_projects() -> int:
    with reported_errors(), session_scope(write=False) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Project)) or 0


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    demo: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Load demo data into an empty database.")
    ] = False,
) -> None:
    """Check the settings, migrate the database to head, optionally load the demo, and
    serve the web app."""
    settings = load_settings()
    typer.echo("Settings checked:")
    for line in startup_report(settings):
        typer.echo(f"  {line}")
    with reported_errors():
        upgrade_database(settings.database_url)
    if demo:
        existing = count_projects()
        if existing:
            typer.echo(f"Demo data not loaded: the database already has {existing} projects.")
        else:
            print_demo_summary(run_load_demo())
    typer.secho(f"招商通 serving at http://{host}:{port}", fg=typer.colors.GREEN, bold=True)
    # server_header=False: answers do not name the server software (uvicorn adds its own
    # Server header outside the app, so no middleware can take it off).
    uvicorn.run("app.main:create_app", factory=True, host=host, port=port, workers=workers,
                server_header=False)


@app.command()
def backup(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the archive (created if missing).")
    ] = PROJECT_ROOT / "var" / "backups",
) -> None:
    """Back up the database and ATTACHMENTS_DIR into one timestamped archive."""
    settings = load_settings()
    with reported_errors():
        result = create_backup(settings.database_url, settings.attachments_dir, out)
    revision = describe_revisions(alembic_config(settings.database_url), result.revisions)
    typer.echo(f"Backup written: {result.path}")
    typer.echo(f"  {KIND_NAMES[result.database]} database at {revision}; "
               f"attachment files: {result.attachments}.")


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="An archive written by `zhaoshang backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace everything in a database that is not empty.")
    ] = False,
) -> None:
    """Restore a backup into an empty database, then migrate it to head."""
    settings = load_settings()
    scripts = ScriptDirectory.from_config(alembic_config(settings.database_url))
    known = {script.revision for script in scripts.walk_revisions()}
    with reported_errors():
        result = restore_backup(settings.database_url, settings.attachments_dir, file, force,
                                known_revisions=known)
    typer.echo(f"Restored {file.name} (made {result.created_at}) into "
               f"{describe_database(settings.database_url)}; "
               f"attachment files: {result.attachments}.")
    with reported_errors():
        after = upgrade_database(settings.database_url)
    report_upgrade(alembic_config(settings.database_url), result.revisions, after)


def read_password() -> str:
    if not sys.stdin.isatty():
        fail("No --password given and no terminal to ask for one.")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Argument(help="Log-in name.")],
    name: Annotated[str, typer.Option("--name", help="Display name, e.g. 张伟.")],
    role: Annotated[
        list[str],
        typer.Option("--role", help="admin, auditor, leader, staff or supervisor; repeatable."),
    ],
    county: Annotated[
        str | None, typer.Option("--county", help="County code; omit for city-wide users.")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Job title.")] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    password: Annotated[
        str | None, typer.Option("--password", help="Asked for on the terminal if omitted.")
    ] = None,
) -> None:
    """Create a user with one or more roles."""
    load_settings()
    if password is None:
        password = read_password()
    with reported_errors(), session_scope() as session:
        user = create_user(
            session,
            username=username,
            display_name=name,
            password=password,
            roles=role,
            county_code=county,
            title=title,
            phone=phone,
        )
        user_id = user.id
    typer.echo(f"Created user {username} (id {user_id}) with roles {', '.join(sorted(set(role)))}.")


@keys_app.command("new")
def keys_new(
    key_id: Annotated[
        str | None, typer.Option("--id", help="Key id (default: k and the UTC date and time).")
    ] = None,
) -> None:
    """Print a new random DATA_KEYS entry (id:base64)."""
    key_id = key_id or f"k{utcnow():%Y%m%d%H%M}"
    if not KEY_ID_PATTERN.fullmatch(key_id):
        fail("A key id is 1 to 32 letters, digits, '.', '_' or '-'.")
    typer.echo(new_key_entry(key_id))
    try:
        in_use = get_settings().data_keys.get_secret_value().strip()
    except ValidationError:  # e.g. production without DATA_KEYS: this makes its first key
        in_use = ""
    typer.echo(
        "Put it first in DATA_KEYS, keep the keys in use after it"
        + ("" if in_use else f" (so far the public development key: {dev_key_entry()})")
        + ", restart every app process, then run `zhaoshang keys rotate`.",
        err=True,
    )


@keys_app.command("rotate")
def keys_rotate(
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per transaction.")] = 500,
) -> None:
    """Re-encrypt every personal value under the first DATA_KEYS key."""
    settings = load_settings()
    engine = create_db_engine(settings.database_url)
    try:
        with reported_errors():
            current, *others = keyring().keys
            counts = rotate(engine, batch_size=batch_size)
    finally:
        engine.dispose()
    for count in counts:
        typer.echo(f"{count.column}: {count.reencrypted} re-encrypted, "
                   f"{count.already_current} already under {current}")
    typer.echo(f"Every value is under key {current} now"
               + (f"; {', '.join(others)} may be removed from DATA_KEYS." if others else "."))
