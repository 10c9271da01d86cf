"""Anchors: the chain's head, signed and kept outside the database.

`zhaoshang audit anchor` appends one JSON line (last id, its hash, how many rows the chain
has had, when, and an HMAC over them) to a file and/or hands it to a command; `verify`
compares the chain with the file's last line. Keep the file where the database's
administrators cannot write (another host, `chattr +a`, a log shipper): an anchor they can
rewrite proves nothing. A sink is a file or a local command on purpose, never a URL.
"""

import os
import shlex
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from app.audit.keys import AuditKeyring, BadSignature

ANCHOR_FORMAT = "zhaoshang-audit-anchor"
ANCHOR_DOMAIN = b"anchor"
COMMAND_TIMEOUT_SECONDS = 60


class AnchorFileError(ValueError):
    """The anchor file cannot be trusted: a line is unreadable, unsigned or out of order."""


@dataclass(frozen=True)
class Anchor:
    anchored_at: str  # UTC, ISO 8601
    head_id: int | None  # None: the trail was empty
    head_hash: str
    count: int  # rows the chain has had, archived ones included
    key_id: str

    def to_line(self, keyring: AuditKeyring) -> str:
        fields = {"format": ANCHOR_FORMAT} | asdict(self)
        del fields["key_id"]  # the signing key's id, added by signed_line
        return keyring.signed_line(fields, ANCHOR_DOMAIN)


def parse_anchor(line: str, keyring: AuditKeyring) -> Anchor:
    fields = keyring.read_signed(line, ANCHOR_DOMAIN)
    if fields.pop("format", None) != ANCHOR_FORMAT:
        raise BadSignature("it is not an anchor")
    return Anchor(**fields)


def read_last_anchor(path: Path, keyring: AuditKeyring) -> Anchor | None:
    """The file's last anchor, after checking every line's signature and that the counts
    never fall; None for a missing or empty file."""
    if not path.exists():
        return None
    last: Anchor | None = None
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                anchor = parse_anchor(line, keyring)
            except (BadSignature, TypeError) as exc:
                raise AnchorFileError(f"{path} line {number} does not verify: {exc}") from None
            if last is not None and anchor.count < last.count:
                raise AnchorFileError(f"{path} line {number} counts {anchor.count} rows, "
                                      f"fewer than the {last.count} of the line before")
            last = anchor
    return last


def append_anchor(path: Path, line: str) -> None:
    """One write of one line in append mode, flushed to disk."""
    with path.open("a", encoding="utf-8") as anchors:
        anchors.write(line)
        anchors.flush()
        os.fsync(anchors.fileno())


def send_anchor(command: str, line: str) -> None:
    """The line on the command's standard input (no shell); CalledProcessError if it fails."""
    subprocess.run(shlex.split(command), input=line, text=True, check=True,
                   timeout=COMMAND_TIMEOUT_SECONDS, stdout=subprocess.DEVNULL)
