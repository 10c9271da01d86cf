"""The audit chain's HMAC keys, from the settings and never from the database.

A key is known by its id, a fingerprint that reveals nothing about it, stored on each row
so that `verify` picks the right key. Rotation: put the old key first in
AUDIT_RETIRED_KEYS and a new one in AUDIT_KEY; the next row starts a new segment signed
with the new key, still linked to the row before it. Segments must follow the keys' order,
so a leaked retired key cannot sign rows after the newer segment begins.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from app.config import Settings, get_settings


class BadSignature(ValueError):
    """A signed line that does not verify: edited, or signed with a key not configured."""


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


# Public on purpose: development and tests only; production refuses to start without a key.
DEVELOPMENT_AUDIT_KEY = "zhaoshang-development-audit-key (public, not for production)"


def key_id(key: bytes) -> str:
    return hmac.new(key, b"zhaoshang audit key id", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class AuditKeyring:
    keys: dict[str, bytes]  # key id -> key, oldest first; the last one signs
    development: bool = False  # the public development key signs

    @classmethod
    def of(cls, current: str, retired: list[str] | None = None,
           development: bool = False) -> "AuditKeyring":
        keys = [k.encode() for k in [*(retired or []), current]]
        return cls({key_id(k): k for k in keys}, development)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> "AuditKeyring":
        settings = settings or get_settings()
        retired = [k.strip() for k in settings.audit_retired_keys.split(",") if k.strip()]
        if settings.audit_key:
            return cls.of(settings.audit_key, retired)
        return cls.of(DEVELOPMENT_AUDIT_KEY, retired, development=True)

    @property
    def current_id(self) -> str:
        return next(reversed(self.keys))

    def rank(self, kid: str) -> int:
        """The key's place in the order of rotation, oldest 0."""
        return list(self.keys).index(kid)

    def sign(self, kid: str, domain: bytes, payload: bytes) -> str:
        """HMAC-SHA256 with key `kid`; `domain` keeps rows, anchors and archives apart."""
        return hmac.new(self.keys[kid], domain + b"\x00" + payload, hashlib.sha256).hexdigest()

    def check(self, kid: str | None, domain: bytes, payload: bytes, mac: str) -> bool:
        if kid not in self.keys:
            return False
        return hmac.compare_digest(self.sign(kid, domain, payload), mac)

    def signed_line(self, fields: dict[str, Any], domain: bytes) -> str:
        """`fields` as one JSON line with the current key's id and an HMAC over them."""
        fields = fields | {"key_id": self.current_id}
        mac = self.sign(self.current_id, domain, canonical(fields))
        return json.dumps(fields | {"mac": mac}, sort_keys=True, ensure_ascii=False) + "\n"

    def read_signed(self, line: str, domain: bytes) -> dict[str, Any]:
        """The fields of a `signed_line`, once its HMAC verifies; BadSignature if not."""
        try:
            fields = json.loads(line)
        except ValueError:
            raise BadSignature("it is not JSON") from None
        if not isinstance(fields, dict) or not isinstance(fields.get("mac"), str):
            raise BadSignature("it carries no signature")
        mac = fields.pop("mac")
        if fields.get("key_id") not in self.keys:
            raise BadSignature(f"it is signed with key {fields.get('key_id')}, which is "
                               "neither AUDIT_KEY nor in AUDIT_RETIRED_KEYS")
        if not self.check(fields["key_id"], domain, canonical(fields), mac):
            raise BadSignature("its signature does not match: it was edited")
        return fields
