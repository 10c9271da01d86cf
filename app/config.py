"""Settings from the environment (prefix-free names, as the README documents).

Production settings cannot be wrong quietly: ENVIRONMENT is one of `ENVIRONMENTS`, and in
production every secret setting must be long and hard to guess (`weak_secret_reason`).
A setting is a secret when it is typed `SecretStr` / `SecretBytes` or annotated
`Annotated[str, SECRET]`; a new secret only needs that mark to be checked, and to appear in
`startup_report` as set or not set, never with its value.
"""

from collections.abc import Iterable, Iterator
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import SecretBytes, SecretStr, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from zxcvbn import zxcvbn

from app.crypto import DEV_KEY, parse_data_keys

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "change-me-in-production"
ENVIRONMENTS = ("development", "test", "production")
SECRET_MIN_LENGTH = 32
# zxcvbn's guess estimate, as log10. Random keys of 32+ characters score 28 or more
# (token_hex(16): lowest 28.4 of 300 draws); repeats, sequences, keyboard walks and
# placeholders built from words score far lower ("aaaa…" 2.7, "0123…cdef" twice 4.5,
# "change-me-in-production-change-me" 21.3).
SECRET_MIN_GUESSES_LOG10 = 24
# zxcvbn refuses longer input (it is quadratic); the first 72 characters carry the verdict.
ZXCVBN_MAX_LENGTH = 72
GENERATE_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
# The legal floor for keeping logs: 网络安全法 第二十一条 asks for six months.
MIN_AUDIT_RETENTION_DAYS = 180


class SecretSetting:
    """Marks a plain `str` setting as a secret: `Annotated[str, SECRET]`."""

    def __repr__(self) -> str:
        return "SECRET"


SECRET = SecretSetting()


class Settings(BaseSettings):
    # hide_input_in_errors: a refused setting is named in the error, its value never shown.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore",
                                      hide_input_in_errors=True)

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'zhaoshang.db'}"
    secret_key: Annotated[str, SECRET] = DEFAULT_SECRET
    # "production" refuses weak secrets and debug; "development" and "test" allow both.
    environment: Literal["development", "test", "production"] = "development"
    debug: bool = False
    display_timezone: str = "Asia/Shanghai"
    default_locale: str = "zh_CN"
    # Project codes read ZS-2026-0042.
    project_code_prefix: str = "ZS"
    # Files kept beside the database; `zhaoshang backup` includes the folder when it exists.
    attachments_dir: Path = PROJECT_ROOT / "var" / "attachments"

    # Password policy (GB/T 22239-2019 level 2; OWASP ASVS level 2).
    password_min_length: int = 8
    password_min_classes: int = 3  # of lower, upper, digit, symbol
    password_max_age_days: int = 90  # 0 turns expiry off
    login_max_failures: int = 5
    lockout_minutes: int = 15
    # Sessions: server-side rows, so every app process sees a logout at once.
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    # None: Secure cookies whenever the request came over HTTPS.
    cookie_secure: bool | None = None

    # REST API (app/web/api_deps.py): user token lifetime, requests a minute per client or
    # user (a client may have its own), largest request body.
    api_token_minutes: int = 60
    api_rate_limit_per_minute: int = 600
    api_max_body_bytes: int = 1_048_576
    # Webhooks: also deliver from inside the app every N seconds (cron runs
    # `zhaoshang webhooks deliver` otherwise).
    webhooks_background: bool = False
    webhooks_interval_seconds: int = 30
    # Outbound calls (webhooks, robots; app/net/urlguard.py) are https to public addresses.
    # For tests and local receivers: allow plain http, and let these networks through
    # (comma-separated, e.g. "127.0.0.1/32,::1/128").
    outbound_allow_http: bool = False
    outbound_allowed_networks: Annotated[list[IPv4Network | IPv6Network], NoDecode] = []

    @field_validator("outbound_allowed_networks", mode="before")
    @classmethod
    def split_networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    # Audit trail (app/audit): the HMAC key of the hash chain, kept outside the database and
    # apart from SECRET_KEY. Unset in development, a fixed public development key signs
    # (`zhaoshang audit verify` says so); production refuses to start without one.
    audit_key: Annotated[str | None, SECRET] = None
    # Keys that signed older rows, oldest first, comma-separated: verified, never signed with.
    audit_retired_keys: Annotated[str, SECRET] = ""
    # Where `zhaoshang audit anchor` appends the signed head and `verify` reads it back.
    audit_anchor_file: Path | None = None
    audit_retention_days: int = MIN_AUDIT_RETENTION_DAYS

    @field_validator("audit_retention_days")
    @classmethod
    def refuse_short_retention(cls, days: int) -> int:
        if days < MIN_AUDIT_RETENTION_DAYS:
            raise ValueError(
                f"AUDIT_RETENTION_DAYS must be at least {MIN_AUDIT_RETENTION_DAYS} "
                "(网络安全法: logs are kept for six months)"
            )
        return days

    # Keys for personal data at rest (app/crypto.py): `id:base64,...`, the first encrypts new
    # writes. Unset in development: a public development key, with a warning.
    data_keys: SecretStr = SecretStr("")

    @model_validator(mode="after")
    def refuse_unsafe_production(self) -> "Settings":
        data_keys = parse_data_keys(self.data_keys.get_secret_value())  # refuses a bad entry
        if self.environment != "production":
            return self
        problems = [f"{name} {reason}" for name, reason in self.weak_secrets()]
        if problems:
            problems[-1] += f" (generate a secret with {GENERATE_SECRET})"
        # Keys production cannot run without (the strength check passes an unset secret).
        if not self.audit_key:
            problems.append("AUDIT_KEY must be set in production")
        elif self.audit_key == self.secret_key:
            problems.append("AUDIT_KEY must differ from SECRET_KEY")
        if not data_keys:
            problems.append("DATA_KEYS must be set in production "
                            "(`zhaoshang keys new` makes a key)")
        elif any(key == DEV_KEY for _, key in data_keys):
            problems.append("DATA_KEYS must not hold the public development key in production")
        if self.debug:
            problems.append("DEBUG must be off in production")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def secrets(self) -> Iterator[tuple[str, FieldInfo, list[str]]]:
        """Every secret setting: (ENV_NAME, field, its values; empty when not set)."""
        for name, field in type(self).model_fields.items():
            if is_secret(field):
                yield name.upper(), field, list(secret_values(getattr(self, name)))

    def weak_secrets(self) -> list[tuple[str, str]]:
        """(ENV_NAME, why) for each secret that production would refuse."""
        weak = []
        for env_name, field, values in self.secrets():
            placeholder = field.default if isinstance(field.default, str) else None
            for value in values:
                reason = ("is the built-in placeholder" if placeholder and value == placeholder
                          else weak_secret_reason(value))
                if reason:
                    weak.append((env_name, reason))
                    break
        return weak

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.display_timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def is_secret(field: FieldInfo) -> bool:
    if any(isinstance(meta, SecretSetting) for meta in field.metadata):
        return True
    return any(kind in (SecretStr, SecretBytes) for kind in _types_in(field.annotation))


def _types_in(annotation: Any) -> Iterator[Any]:
    """The annotation and every type nested in it (unions, lists, dicts, Annotated)."""
    yield annotation
    for arg in get_args(annotation):
        yield from _types_in(arg)


def secret_values(value: Any) -> Iterator[str]:
    """The secret strings a setting holds: one, several (a list or the values of a dict of
    keys), or none when unset or empty."""
    if isinstance(value, SecretStr | SecretBytes):
        value = value.get_secret_value()
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        if value:
            yield value
    elif isinstance(value, dict):
        yield from _flatten(value.values())
    elif isinstance(value, Iterable):
        yield from _flatten(value)


def _flatten(values: Iterable[Any]) -> Iterator[str]:
    for value in values:
        yield from secret_values(value)


def weak_secret_reason(secret: str) -> str | None:
    """Why `secret` is too weak for production, or None when it will do.

    zxcvbn rather than a character-count or Shannon check: "abcdefghijklmnopqrstuvwxyz0123456789"
    has 36 distinct characters and full per-character entropy, yet is one sequence; zxcvbn
    also finds repeats, keyboard walks, dates and words.
    """
    if len(secret) < SECRET_MIN_LENGTH:
        return (f"is too short ({len(secret)} characters; production needs "
                f"{SECRET_MIN_LENGTH} or more random characters)")
    guesses = zxcvbn(secret[:ZXCVBN_MAX_LENGTH], max_length=ZXCVBN_MAX_LENGTH)
    if guesses["guesses_log10"] < SECRET_MIN_GUESSES_LOG10:
        return "is too easy to guess (repeats, sequences or words instead of random characters)"
    return None


def describe_database(url: str) -> str:
    """The database kind and where it is, with any password hidden."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite ({parsed.database or 'in memory'})"
    place = f"{parsed.host or 'local socket'}{f':{parsed.port}' if parsed.port else ''}"
    return f"PostgreSQL ({parsed.username or 'default user'}@{place}/{parsed.database})"


def startup_report(settings: Settings) -> list[str]:
    """What the settings check found, one line each, for the log at start-up; names the
    secrets and whether they are set and strong, never their values."""
    production = settings.environment == "production"
    weak = dict(settings.weak_secrets())
    lines = [f"environment: {settings.environment}",
             f"database: {describe_database(settings.database_url)}"]
    for env_name, _field, values in settings.secrets():
        if not values:
            state = "not set"
        elif env_name in weak:
            state = f"weak: {weak[env_name]} (refused in production)"
        else:
            state = "set, strong"
        lines.append(f"{env_name}: {state}")
    lines.append("DEBUG: " + ("on" if settings.debug else "off"))
    if settings.cookie_secure is None:
        cookies = "Secure on HTTPS requests (behind a TLS proxy, set COOKIE_SECURE=true)"
    elif settings.cookie_secure:
        cookies = "always Secure"
    else:
        cookies = "never Secure (COOKIE_SECURE=false): session cookies may travel unencrypted"
    lines.append(f"cookies: {cookies}")
    attachments = settings.attachments_dir
    lines.append(f"attachments: {attachments}"
                 + ("" if attachments.is_dir() else " (not created yet)"))
    if production:
        lines.append("production checks passed")
    return lines


def describe_settings_error(exc: ValidationError) -> str:
    """One line per refused setting, named as its environment variable, without its value."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]).upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    return "\n".join(lines)


@lru_cache
def get_settings() -> Settings:
    return Settings()
