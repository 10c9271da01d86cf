"""`zhaoshang audit ...`: verify, anchor and archive the audit trail from the command line."""

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn

import sqlalchemy as sa
import typer
from pydantic import ValidationError

from app.audit.anchors import (
    Anchor,
    AnchorFileError,
    append_anchor,
    read_last_anchor,
    send_anchor,
)
from app.audit.archive import (
    ArchiveRefused,
    archive,
    archives_in_sequence,
    retention_cutoff,
    verify_archive,
)
from app.audit.keys import AuditKeyring
from app.audit.service import CHAIN_KINDS, Finding, VerifyResult, chain_head, verify_chain
from app.config import Settings, get_settings
from app.db import get_engine, session_scope

audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)

AnchorsOption = Annotated[Path | None, typer.Option(
    "--anchors", help="The anchor file to check against (default: AUDIT_ANCHOR_FILE).")]


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@contextmanager
def _reported() -> Iterator[None]:
    try:
        yield
    except (ArchiveRefused, AnchorFileError) as exc:
        _fail(str(exc))
    except sa.exc.DBAPIError as exc:
        _fail(f"Database error: {exc.orig}\n"
              "Is DATABASE_URL right, and has `zhaoshang db upgrade` been run?")


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        _fail("Invalid settings: " + "; ".join(str(err["msg"]) for err in exc.errors()))


def _keyring(settings: Settings) -> AuditKeyring:
    keyring = AuditKeyring.from_settings(settings)
    if keyring.development:
        typer.secho("Note: AUDIT_KEY is not set, so the public development key signs the "
                    "trail; anyone can rewrite it. Set AUDIT_KEY in production.",
                    fg=typer.colors.YELLOW, err=True)
    return keyring


def _verify_database(keyring: AuditKeyring, anchor: Anchor | None) -> VerifyResult:
    engine = get_engine()
    if engine.dialect.name == "postgresql":
        # One snapshot for the whole walk, so rows added meanwhile do not move the head.
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with session_scope(write=False, engine=engine) as session:
        return verify_chain(session, keyring, anchor)


def _print_findings(findings: tuple[Finding, ...] | list[Finding], checked: int) -> None:
    for finding in findings:
        if finding.kind in CHAIN_KINDS:
            typer.secho(f"BROKEN at row {finding.row_id}: {finding.message}",
                        fg=typer.colors.RED)
            typer.echo(f"{checked} rows before it are intact.")
        else:
            typer.secho(f"{finding.kind.upper()}: {finding.message}", fg=typer.colors.RED)


def _last_anchor(path: Path | None, keyring: AuditKeyring) -> Anchor | None:
    if path is None:
        typer.secho("Note: no anchor file (AUDIT_ANCHOR_FILE or --anchors): removing the "
                    "newest rows, or all of them, goes unnoticed.",
                    fg=typer.colors.YELLOW, err=True)
        return None
    anchor = read_last_anchor(path, keyring)
    if anchor is None:
        typer.secho(f"Note: {path} holds no anchor yet: run `zhaoshang audit anchor`.",
                    fg=typer.colors.YELLOW, err=True)
    return anchor


def _verify_archives(paths: list[Path], keyring: AuditKeyring) -> None:
    headers, broken = [], False
    for path in paths:
        if not path.is_file():
            _fail(f"{path}: no such file")
        header, result = verify_archive(path, keyring)
        if result.ok and header is not None:
            headers.append(header)
            typer.echo(f"OK: {path}: {result.checked} rows, ids {header['from_id']}–"
                       f"{header['through_id']}, chain intact")
        else:
            typer.secho(f"{path}:", fg=typer.colors.RED)
            _print_findings(result.findings, result.checked)
            broken = True
    gap = archives_in_sequence(headers)
    if gap is not None:
        _print_findings([gap], 0)
    if broken or gap is not None:
        raise typer.Exit(1)


@audit_app.command("verify")
def verify(
    anchors: AnchorsOption = None,
    archives: Annotated[list[Path] | None, typer.Option(
        "--archive", help="Check this archive file on its own instead of the database; "
        "repeatable (files given together must join up).")] = None,
) -> None:
    """Walk the keyed hash chain and compare it with the last anchor; exit 1 naming what
    was changed or removed."""
    settings = _settings()
    keyring = _keyring(settings)
    if archives:
        _verify_archives(archives, keyring)
        return
    with _reported():
        anchor = _last_anchor(anchors or settings.audit_anchor_file, keyring)
        result = _verify_database(keyring, anchor)
    if not result.ok:
        _print_findings(result.findings, result.checked)
        raise typer.Exit(1)
    typer.echo(f"OK: {result.checked} rows, chain intact")
    if result.unkeyed:
        typer.echo(f"{result.unkeyed} of them predate keying (hash v1): the anchor, not the "
                   "key, protects those.")
    if result.head_hash:
        typer.echo(f"Head hash: {result.head_hash}")
    if anchor is not None and anchor.head_id is not None:
        typer.echo(f"Anchor of {anchor.anchored_at} (head id {anchor.head_id}, "
                   f"{anchor.count} rows): consistent.")


@audit_app.command("anchor")
def anchor_head(
    file: Annotated[Path | None, typer.Option(
        "--file", help="Append the anchor to this file (default: AUDIT_ANCHOR_FILE).")] = None,
    command: Annotated[str | None, typer.Option(
        "--command", help="Also hand the anchor line to this command's standard input, "
        "e.g. 'logger -t zhaoshang-audit' (run without a shell).")] = None,
) -> None:
    """Check the chain, then write its signed head outside the database."""
    settings = _settings()
    keyring = _keyring(settings)
    file = file or settings.audit_anchor_file
    if file is None and command is None:
        _fail("Nowhere to anchor: set AUDIT_ANCHOR_FILE, or pass --file or --command.")
    with _reported():
        result = _verify_database(keyring, _last_anchor(file, keyring) if file else None)
        if not result.ok:
            _print_findings(result.findings, result.checked)
            _fail("Not anchored: the chain does not verify.")
        with session_scope(write=False) as session:
            head = chain_head(session, keyring)
    line = head.to_line(keyring)
    try:
        if file is not None:
            append_anchor(file, line)
        if command is not None:
            send_anchor(command, line)
    except OSError as exc:
        _fail(f"Could not write the anchor: {exc}")
    except subprocess.SubprocessError as exc:
        _fail(f"The anchor command failed: {exc}")
    typer.echo(f"Anchored head id {head.head_id} ({head.count} rows, hash {head.head_hash}).")


@audit_app.command("archive")
def archive_old_rows(
    before: Annotated[datetime, typer.Option(
        "--before", formats=["%Y-%m-%d"],
        help="Archive the rows before this day (Beijing time); it must lie at least "
        "AUDIT_RETENTION_DAYS back.")],
    out: Annotated[Path, typer.Option(
        "--out", help="The archive file to write (JSON lines); it must not exist.")],
) -> None:
    """Move the oldest rows to a file that verifies on its own, leaving a checkpoint."""
    settings = _settings()
    keyring = _keyring(settings)
    partial = out.with_name(out.name + ".partial")
    with _reported():
        cutoff = retention_cutoff(before.date(), settings)
        for path in (out, partial):
            if path.exists():
                raise ArchiveRefused(f"{path} exists already: choose another file")
        result = _verify_database(keyring, _last_anchor(settings.audit_anchor_file, keyring))
        if not result.ok:
            _print_findings(result.findings, result.checked)
            _fail("Not archived: the chain does not verify.")
        try:
            with session_scope() as session:
                summary = archive(session, keyring, cutoff, partial)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    if summary is None:
        typer.echo(f"Nothing to archive: no rows before {before:%Y-%m-%d}.")
        return
    partial.rename(out)
    typer.echo(f"Archived {summary.count} rows (ids {summary.from_id}–{summary.through_id}) "
               f"to {out}, sha256 {summary.sha256}; checkpoint row {summary.checkpoint_id}.")
    typer.echo("Keep the file, check it with `zhaoshang audit verify --archive`, "
               "and anchor the new head.")
