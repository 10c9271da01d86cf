"""Personal data encrypted at rest: phone numbers and e-mail addresses.

A value is stored as `<key id>:<base64url(nonce | AES-256-GCM ciphertext and tag)>`. The
associated data names the table, the column and the row id, so a ciphertext copied into
another row or column does not decrypt: it is refused, never shown as someone else's.
DATA_KEYS holds several keys (`id:base64,...`); the first encrypts new writes, the others
still decrypt until `zhaoshang keys rotate` has moved every value to the first.

Where the product compares values (a contact sent again is not a new one), a blind index
sits beside the ciphertext: HMAC-SHA256 over the normalised value (digits only for phones,
lower case for e-mail addresses) with a key derived from the same data key as the
ciphertext, so both always name the same key and rotation renews both.

Models declare `phone = EncryptedField(...)` next to `phone_encrypted` (and
`phone_blind_index`) columns and inherit `PersonalData`; the application reads and writes
plain values. A new row gets its id only on INSERT, so its values are encrypted right after
it, in the same flush.
"""

import base64
import binascii
import hashlib
import hmac
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import event
from sqlalchemy.orm.attributes import instance_state, set_committed_value
from sqlmodel import SQLModel

logger = logging.getLogger(__name__)

KEY_BYTES = 32
NONCE_BYTES = 12
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,32}")
# Development only, and public: anyone with the source can read data written under it.
DEV_KEY_ID = "dev"
DEV_KEY = hashlib.sha256(b"zhaoshang development data key: public, never for real data").digest()


class UnreadableValue(Exception):
    """A stored value that does not decrypt: changed, moved from another row or column, or
    written under a key that is no longer in DATA_KEYS. Never shown as some other value."""


# --- keys ----------------------------------------------------------------------------------

def parse_data_keys(text: str) -> list[tuple[str, bytes]]:
    """`k2:BASE64,k1:BASE64` as [(id, 32-byte key), ...], the first the one for writing.
    Raises ValueError naming the entry at fault (never echoing a key)."""
    keys: list[tuple[str, bytes]] = []
    for position, entry in enumerate(filter(None, (e.strip() for e in text.split(","))), 1):
        key_id, colon, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not colon or not KEY_ID_PATTERN.fullmatch(key_id):
            raise ValueError(f"DATA_KEYS entry {position} must read KEY_ID:BASE64 with a key id "
                             "of letters, digits, '.', '_' or '-'")
        try:
            key = base64.urlsafe_b64decode(_padded(encoded.strip().replace("+", "-")
                                                   .replace("/", "_")))
        except (binascii.Error, ValueError):
            raise ValueError(f"DATA_KEYS key {key_id} is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise ValueError(f"DATA_KEYS key {key_id} must be {KEY_BYTES} random bytes "
                             "(`zhaoshang keys new` makes one)")
        if key_id in dict(keys):
            raise ValueError(f"DATA_KEYS names key {key_id} twice")
        keys.append((key_id, key))
    return keys


def _padded(encoded: str) -> str:
    return encoded + "=" * (-len(encoded) % 4)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_key_entry(key_id: str) -> str:
    """A fresh DATA_KEYS entry, `id:base64`."""
    return f"{key_id}:{_b64(secrets.token_bytes(KEY_BYTES))}"


def dev_key_entry() -> str:
    return f"{DEV_KEY_ID}:{_b64(DEV_KEY)}"


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=b"zhaoshang/" + purpose).derive(master)


@dataclass(frozen=True)
class DataKey:
    id: str
    aead: AESGCM
    index_key: bytes

    @classmethod
    def of(cls, key_id: str, master: bytes) -> "DataKey":
        # Separate keys for the cipher and the blind index, both from the one data key.
        return cls(key_id, AESGCM(_derive(master, b"data-encryption/v1")),
                   _derive(master, b"blind-index/v1"))


class Keyring:
    def __init__(self, keys: Iterable[tuple[str, bytes]]) -> None:
        self.keys = {key_id: DataKey.of(key_id, key) for key_id, key in keys}
        if not self.keys:
            raise ValueError("a keyring needs at least one key")
        self.current = next(iter(self.keys.values()))

    def get(self, key_id: str) -> DataKey:
        try:
            return self.keys[key_id]
        except KeyError:
            raise UnreadableValue(f"key {key_id!r} is not in DATA_KEYS") from None


@lru_cache(maxsize=8)
def _keyring_for(data_keys: str) -> Keyring:
    if data_keys.strip():
        return Keyring(parse_data_keys(data_keys))
    logger.warning("DATA_KEYS is not set: personal data is encrypted with the public "
                   "development key. Set DATA_KEYS (`zhaoshang keys new`) before real data.")
    return Keyring([(DEV_KEY_ID, DEV_KEY)])


def keyring() -> Keyring:
    """The keys DATA_KEYS names (the settings refuse a production without them)."""
    from app.config import get_settings

    return _keyring_for(get_settings().data_keys.get_secret_value())


# --- values --------------------------------------------------------------------------------

def _associated_data(table: str, column: str, row_id: int) -> bytes:
    return f"zhaoshang/{table}/{column}/{row_id}".encode()


def encrypt(plain: str, *, table: str, column: str, row_id: int,
            keys: Keyring | None = None) -> str:
    key = (keys or keyring()).current
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = key.aead.encrypt(nonce, plain.encode(), _associated_data(table, column, row_id))
    return f"{key.id}:{_b64(nonce + sealed)}"


def key_id_of(stored: str) -> str:
    return stored.partition(":")[0]


def decrypt(stored: str, *, table: str, column: str, row_id: int,
            keys: Keyring | None = None) -> str:
    where = f"{table}.{column} of row {row_id}"
    key_id, colon, encoded = stored.partition(":")
    try:
        key = (keys or keyring()).get(key_id)
    except UnreadableValue as exc:
        raise UnreadableValue(f"{where} does not decrypt: {exc}") from None
    try:
        raw = base64.urlsafe_b64decode(_padded(encoded))
        if not colon or len(raw) <= NONCE_BYTES:
            raise ValueError
        plain = key.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                 _associated_data(table, column, row_id))
    except (InvalidTag, ValueError, binascii.Error):
        raise UnreadableValue(f"{where} does not decrypt under key {key_id!r}: it was changed "
                              "or moved from another row or column") from None
    return plain.decode()


def phone_digits(phone: str) -> str:
    """Digits only; +86 / 0086 before a mainland mobile number is dropped."""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", phone) if ch in "0123456789")
    for country in ("0086", "86"):
        rest = digits[len(country):]
        if digits.startswith(country) and len(rest) == 11 and rest.startswith("1"):
            return rest
    return digits


def email_lower(email: str) -> str:
    return unicodedata.normalize("NFKC", email).strip().lower()


def blind_index(value: str | None, normalise: Callable[[str], str], *, table: str,
                column: str, key: DataKey) -> str | None:
    """HMAC-SHA256 of the normalised value; None when there is nothing to compare."""
    normalised = normalise(value) if value is not None else ""
    if not normalised:
        return None
    message = f"{table}/{column}/{normalised}".encode()
    return hmac.new(key.index_key, message, hashlib.sha256).hexdigest()


def stored_values(value: str | None, *, table: str, column: str, row_id: int,
                  normalise: Callable[[str], str] | None = None,
                  keys: Keyring | None = None) -> dict[str, str | None]:
    """The columns that store `value` in that row: `<column>_encrypted`, and
    `<column>_blind_index` when the value is compared (`normalise` given)."""
    keys = keys or keyring()
    out: dict[str, str | None] = {f"{column}_encrypted": None}
    if value is not None:
        out[f"{column}_encrypted"] = encrypt(value, table=table, column=column, row_id=row_id,
                                             keys=keys)
    if normalise is not None:
        out[f"{column}_blind_index"] = blind_index(value, normalise, table=table,
                                                   column=column, key=keys.current)
    return out


def rows_after(connection: sa.Connection, table: str, columns: Iterable[str], after_id: int,
               limit: int) -> list[sa.Row[Any]]:
    """The next `limit` rows by id, locked against writers until the transaction ends."""
    query = (sa.select(sa.column("id"), *map(sa.column, columns)).select_from(sa.table(table))
             .where(sa.column("id") > after_id).order_by(sa.column("id")).limit(limit))
    return list(connection.execute(query.with_for_update()))


def update_rows(connection: sa.Connection, table: str, updates: list[dict[str, Any]]) -> None:
    """UPDATE table SET ... WHERE id = :id for each dict (all with the same keys)."""
    if not updates:
        return
    columns = [name for name in updates[0] if name != "id"]
    target = sa.table(table, sa.column("id"), *map(sa.column, columns))
    connection.execute(
        sa.update(target).where(target.c.id == sa.bindparam("row_id"))
        .values({name: sa.bindparam(name) for name in columns}),
        [{"row_id": row["id"], **{name: row[name] for name in columns}} for row in updates],
    )


# --- the ORM side --------------------------------------------------------------------------

_PENDING = object()  # a value set on a row that has no id yet


class EncryptedField(property):
    """A plain-text attribute over `<name>_encrypted` (and `<name>_blind_index` when
    `normalise` is given: values compared by the product)."""

    owner: type

    def __init__(self, normalise: Callable[[str], str] | None = None) -> None:
        super().__init__(self._get, self._set)
        self.normalise = normalise

    def __set_name__(self, owner: type, name: str) -> None:
        self.owner, self.name = owner, name
        self.ciphertext_column = f"{name}_encrypted"
        self.index_column = f"{name}_blind_index" if self.normalise else None
        ENCRYPTED_FIELDS.append(self)

    @property
    def table(self) -> str:
        return self.owner.__table__.name  # type: ignore[attr-defined]

    # Decrypted values are kept per row with the ciphertext they came from.
    def _cache(self, row: Any) -> dict[str, tuple[Any, str | None]]:
        return instance_state(row).info.setdefault("plain_values", {})

    def _get(self, row: Any) -> str | None:
        stored = getattr(row, self.ciphertext_column)
        cached = self._cache(row).get(self.name)
        if cached is not None and (cached[0] is _PENDING or cached[0] == stored):
            return cached[1]
        if stored is None:
            return None
        plain = decrypt(stored, table=self.table, column=self.name, row_id=row.id)
        self._cache(row)[self.name] = (stored, plain)
        return plain

    def _set(self, row: Any, value: str | None) -> None:
        if instance_state(row).key is None:  # no id yet: encrypted after the INSERT
            self._cache(row)[self.name] = (_PENDING, value)
            setattr(row, self.ciphertext_column, None)
            if self.index_column:
                setattr(row, self.index_column, None)
            return
        for column, stored in self.stored(value, row.id).items():
            setattr(row, column, stored)
        self._cache(row)[self.name] = (getattr(row, self.ciphertext_column), value)

    def stored(self, value: str | None, row_id: int,
               keys: Keyring | None = None) -> dict[str, str | None]:
        return stored_values(value, table=self.table, column=self.name, row_id=row_id,
                             normalise=self.normalise, keys=keys)

    def index(self, value: str | None, key: DataKey) -> str | None:
        assert self.normalise is not None
        return blind_index(value, self.normalise, table=self.table, column=self.name, key=key)

    def indexes(self, value: str | None) -> set[str]:
        """Its blind index under every key: rows not yet rotated still match."""
        found = {self.index(value, key) for key in keyring().keys.values()}
        return {index for index in found if index is not None}


ENCRYPTED_FIELDS: list[EncryptedField] = []


class PersonalData(SQLModel):
    """Base of a table with EncryptedField attributes: accepts them as keyword arguments."""

    def __init__(self, **data: Any) -> None:
        plain = {name: data.pop(name) for name in list(data)
                 if isinstance(getattr(type(self), name, None), EncryptedField)}
        super().__init__(**data)
        for name, value in plain.items():
            setattr(self, name, value)


@event.listens_for(PersonalData, "after_insert", propagate=True)
def _encrypt_after_insert(mapper: Any, connection: sa.Connection, row: Any) -> None:
    cache = instance_state(row).info.get("plain_values", {})
    values: dict[str, str | None] = {}
    for field in ENCRYPTED_FIELDS:
        entry = cache.get(field.name)
        if isinstance(row, field.owner) and entry is not None and entry[0] is _PENDING:
            stored = field.stored(entry[1], row.id)
            values.update(stored)
            cache[field.name] = (stored[field.ciphertext_column], entry[1])
    if not any(values.values()):
        return
    table = mapper.local_table
    connection.execute(sa.update(table).where(table.c.id == row.id).values(values))
    for column, stored in values.items():
        set_committed_value(row, column, stored)


# --- key rotation --------------------------------------------------------------------------

@dataclass
class Rotated:
    column: str  # table.column
    reencrypted: int = 0
    already_current: int = 0


def rotate(engine: sa.Engine, *, batch_size: int = 500,
           keys: Keyring | None = None) -> list[Rotated]:
    """Re-encrypts (and re-indexes) every value not under the current key, a batch of rows
    per transaction, so it can be stopped and run again."""
    import app.models  # noqa: F401  (registers every EncryptedField)
    from app.db import write_bind

    keys = keys or keyring()
    counts: list[Rotated] = []
    tables: dict[str, list[EncryptedField]] = {}
    for field in ENCRYPTED_FIELDS:
        tables.setdefault(field.table, []).append(field)
    for table, fields in tables.items():
        columns = [c for f in fields for c in (f.ciphertext_column, f.index_column) if c]
        tally = {f.name: Rotated(f"{table}.{f.name}") for f in fields}
        counts += tally.values()
        last_id = 0
        while True:
            with write_bind(engine).begin() as connection:
                rows = rows_after(connection, table, columns, last_id, batch_size)
                updates = []
                for row in rows:
                    values = {name: getattr(row, name) for name in columns}
                    for field in fields:
                        stored = values[field.ciphertext_column]
                        if stored is None:
                            continue
                        if key_id_of(stored) == keys.current.id:
                            tally[field.name].already_current += 1
                            continue
                        plain = decrypt(stored, table=table, column=field.name, row_id=row.id,
                                        keys=keys)
                        values.update(field.stored(plain, row.id, keys))
                        tally[field.name].reencrypted += 1
                    if values != {name: getattr(row, name) for name in columns}:
                        updates.append({"id": row.id, **values})
                update_rows(connection, table, updates)
            if len(rows) < batch_size:
                break
            last_id = rows[-1].id
    return counts
