"""Backup and restore: one timestamped archive holding the database and the attachments.

The archive (`zhaoshang-YYYYmmdd-HHMMSS.tar.gz`, mode 0600: it holds password hashes and
confidential projects) contains `manifest.json`, the database (`database.sqlite3` from
SQLite's online backup API, or `database.pgdump` from `pg_dump --format=custom`) and, when
ATTACHMENTS_DIR exists, `attachments/`. A restore goes into an empty database only (or
replaces everything with `force`); the caller then runs the migrations, so an older backup
comes up to date.
"""

import gzip
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Collection, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import URL, Engine, make_url

from app.db import create_db_engine, utcnow

ARCHIVE_FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
ATTACHMENTS_MEMBER = "attachments"
MEMBERS = {"sqlite": SQLITE_MEMBER, "postgresql": PG_MEMBER}
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says what to do."""


@dataclass(frozen=True)
class ArchiveSummary:
    """What an archive written or restored holds."""

    path: Path
    created_at: str
    database: str
    revisions: tuple[str, ...]
    attachments: int  # files


def database_kind(database_url: str) -> str:
    backend = make_url(database_url).get_backend_name()
    if backend not in MEMBERS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {backend}.")
    return backend


@contextmanager
def _engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _revisions(engine: Engine) -> tuple[str, ...]:
    with engine.connect() as connection:
        return tuple(MigrationContext.configure(connection).get_current_heads())


def _count_files(folder: Path) -> int:
    return sum(1 for path in folder.rglob("*") if path.is_file()) if folder.is_dir() else 0


# --- PostgreSQL client tools --------------------------------------------------------------

def libpq_target(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URL without the password, and an environment that carries it
    (so it never shows in the process list)."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    # URL.set(password=None) would keep the password: build the URL without one.
    bare = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                      database=url.database, query=url.query)
    return bare.render_as_string(hide_password=False), env


def _server_major(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10000


def client_tool(name: str, server_major: int) -> str:
    """The path of pg_dump / pg_restore, refused unless its major version is the server's."""
    path = shutil.which(name)
    package = f"postgresql-client-{server_major}"
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH. Install the PostgreSQL {server_major} client "
            f"tools (Debian/Ubuntu: apt-get install {package}).")
    version = tool_version(path)
    if version.split(".")[0] != str(server_major):
        raise BackupError(
            f"{name} is version {version} but the server runs PostgreSQL {server_major}; "
            f"install {package} and put its bin directory first on PATH.")
    return path


def tool_version(path: str) -> str:
    """The version a tool prints, e.g. 15.20 for "pg_dump (PostgreSQL) 15.20 (Debian …)"."""
    output = subprocess.run([path, "--version"], capture_output=True, text=True,
                            check=True).stdout
    match = re.search(r"\)\s*(\d+(?:\.\d+)?)", output)
    if not match:
        raise BackupError(f"Cannot read the version of {path}: {output.strip()!r}")
    return match.group(1)


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()}")


# --- backup -------------------------------------------------------------------------------

def _dump(database_url: str, kind: str, engine: Engine, target: Path) -> dict[str, str]:
    """Writes the database to `target`; returns what the manifest should record about it."""
    if kind == "sqlite":
        with closing(engine.raw_connection()) as source, \
                closing(sqlite3.connect(target)) as copy:
            # The online backup API: a consistent copy while the app keeps writing.
            source.driver_connection.backup(copy)  # type: ignore[union-attr]
        return {}
    pg_dump = client_tool("pg_dump", _server_major(engine))
    conninfo, env = libpq_target(database_url)
    _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
          f"--file={target}", f"--dbname={conninfo}"], env)
    return {"pg_dump_version": tool_version(pg_dump)}


def _archive_path(out_dir: Path, now: datetime) -> Path:
    stem = f"zhaoshang-{now:%Y%m%d-%H%M%S}"
    path, n = out_dir / f"{stem}.tar.gz", 1
    while path.exists():
        n += 1
        path = out_dir / f"{stem}-{n}.tar.gz"
    return path


def create_backup(database_url: str, attachments_dir: Path, out_dir: Path,
                  now: datetime | None = None) -> ArchiveSummary:
    """Writes one archive into `out_dir`: the whole database and ATTACHMENTS_DIR if present."""
    kind = database_kind(database_url)
    now = now or utcnow()
    if kind == "sqlite" and not Path(make_url(database_url).database or "").is_file():
        raise BackupError(f"No SQLite database at {make_url(database_url).database}.")
    out_dir.mkdir(parents=True, exist_ok=True)
    with _engine(database_url) as engine:
        if not sa.inspect(engine).get_table_names():
            raise BackupError("The database has no tables: nothing to back up.")
        revisions = _revisions(engine)
        with tempfile.TemporaryDirectory(prefix=".zhaoshang-backup-", dir=out_dir) as work:
            dump = Path(work) / MEMBERS[kind]
            extra = _dump(database_url, kind, engine, dump)
            manifest = {"format": ARCHIVE_FORMAT, "created_at": now.isoformat(),
                        "database": kind, "revisions": list(revisions),
                        "attachments": attachments_dir.is_dir(), **extra}
            (Path(work) / MANIFEST).write_text(json.dumps(manifest, indent=2))
            path = _archive_path(out_dir, now)
            partial = path.with_name(path.name + ".partial")
            # Created 0600 before any byte is written; renamed only once complete.
            with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                           "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
                archive.add(Path(work) / MANIFEST, arcname=MANIFEST)
                archive.add(dump, arcname=dump.name)
                if attachments_dir.is_dir():
                    archive.add(attachments_dir, arcname=ATTACHMENTS_MEMBER)
            partial.rename(path)
    return ArchiveSummary(path, now.isoformat(), kind, revisions, _count_files(attachments_dir))


# --- restore ------------------------------------------------------------------------------

@contextmanager
def _open_archive(path: Path) -> Iterator[tarfile.TarFile]:
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    try:
        with tarfile.open(path, mode="r:*") as archive:
            yield archive
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise BackupError(f"{path} is not a readable backup archive: {exc}") from None


def read_manifest(archive: tarfile.TarFile, name: str) -> dict:
    try:
        member = archive.extractfile(MANIFEST)
        manifest = json.load(member) if member else None
    except (KeyError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("database") not in MEMBERS:
        raise BackupError(f"{name} is not a zhaoshang backup (no valid {MANIFEST}).")
    if manifest.get("format") != ARCHIVE_FORMAT:
        raise BackupError(f"{name} has backup format {manifest.get('format')}; this version "
                          f"reads format {ARCHIVE_FORMAT}.")
    return manifest


def _existing_content(engine: Engine, attachments_dir: Path) -> list[str]:
    found = []
    tables = sa.inspect(engine).get_table_names()
    if tables:
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        found.append(f"the database has {len(tables)} tables ({shown})")
    files = _count_files(attachments_dir)
    if files:
        found.append(f"{attachments_dir} holds {files} files")
    return found


def _clear(engine: Engine, kind: str, attachments_dir: Path) -> None:
    """Removes everything a restore would replace (only with --force)."""
    if kind == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
    if attachments_dir.exists():
        shutil.rmtree(attachments_dir)


def _load(database_url: str, engine: Engine, dump: Path, pg_restore: str | None) -> None:
    if pg_restore is None:
        with closing(sqlite3.connect(dump)) as source, \
                closing(engine.raw_connection()) as target:
            # Replaces the target's pages wholesale, WAL and all.
            source.backup(target.driver_connection)  # type: ignore[arg-type]
        return
    conninfo, env = libpq_target(database_url)
    _run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", f"--dbname={conninfo}", str(dump)], env)


def restore_backup(database_url: str, attachments_dir: Path, archive_path: Path,
                   force: bool = False,
                   known_revisions: Collection[str] | None = None) -> ArchiveSummary:
    """Loads an archive into an empty database (any database with `force`, replacing all
    it holds) and its attachments into ATTACHMENTS_DIR. Migrations are the caller's; a
    backup at a revision not in `known_revisions` (a newer app's) is refused untouched."""
    kind = database_kind(database_url)
    with _open_archive(archive_path) as archive, _engine(database_url) as engine, \
            tempfile.TemporaryDirectory(prefix=".zhaoshang-restore-") as work:
        manifest = read_manifest(archive, archive_path.name)
        if manifest["database"] != kind:
            raise BackupError(
                f"{archive_path.name} holds a {KIND_NAMES[manifest['database']]} database "
                f"and DATABASE_URL points at {KIND_NAMES[kind]}; restore it into the same "
                "kind of database.")
        unknown = set(manifest.get("revisions", ())) - set(known_revisions or ())
        if known_revisions is not None and unknown:
            raise BackupError(
                f"{archive_path.name} comes from a newer version of zhaoshang (database "
                f"revision {', '.join(sorted(unknown))}); install that version to restore it.")
        existing = _existing_content(engine, attachments_dir)
        if existing and not force:
            raise BackupError(
                "Not restored: " + "; ".join(existing) + ". A restore goes into an empty "
                "database only: point DATABASE_URL at a new one, or pass --force to replace "
                "everything in it.")
        # Checked before anything is cleared, so a missing tool leaves the database as it was.
        pg_restore = (client_tool("pg_restore", _server_major(engine))
                      if kind == "postgresql" else None)
        # The "data" filter refuses absolute paths, links out of the folder and devices.
        archive.extractall(work, filter="data")
        dump = Path(work) / MEMBERS[kind]
        if not dump.is_file():
            raise BackupError(f"{archive_path.name} has no {dump.name}.")
        if existing:
            _clear(engine, kind, attachments_dir)
        _load(database_url, engine, dump, pg_restore)
        restored = Path(work) / ATTACHMENTS_MEMBER
        files = _count_files(restored)
        if restored.is_dir():
            attachments_dir.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(restored, attachments_dir, dirs_exist_ok=True)
    return ArchiveSummary(archive_path, str(manifest.get("created_at", "")), kind,
                          tuple(manifest.get("revisions", ())), files)
