"""Settings from the environment (prefix-free names, as the README documents)."""

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.crypto import DEV_KEY, parse_data_keys

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "change-me-in-production"
# The legal floor for keeping logs: 网络安全法 第二十一条 asks for six months.
MIN_AUDIT_RETENTION_DAYS = 180


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'zhaoshang.db'}"
    secret_key: str = DEFAULT_SECRET
    # "production" refuses the default secret and debug; "development" allows both.
    environment: str = "development"
    debug: bool = False
    display_timezone: str = "Asia/Shanghai"
    default_locale: str = "zh_CN"
    # Project codes read ZS-2026-0042.
    project_code_prefix: str = "ZS"

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

    # REST API (app/api): user token lifetime, requests a minute per client or user (a
    # client may have its own), largest request body.
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
    audit_key: str | None = None
    # Keys that signed older rows, oldest first, comma-separated: verified, never signed with.
    audit_retired_keys: str = ""
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
        if self.environment == "production":
            if self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
                raise ValueError(
                    "SECRET_KEY must be set to a random value of 32+ characters in production"
                )
            if self.debug:
                raise ValueError("DEBUG must be off in production")
            if (self.audit_key is None or len(self.audit_key) < 32
                    or self.audit_key == self.secret_key):
                raise ValueError(
                    "AUDIT_KEY must be set to a random value of 32+ characters, other than "
                    "SECRET_KEY, in production"
                )
        return self

    @model_validator(mode="after")
    def check_data_keys(self) -> "Settings":
        data_keys = parse_data_keys(self.data_keys.get_secret_value())  # refuses a bad entry
        if self.environment == "production":
            if not data_keys:
                raise ValueError("DATA_KEYS must be set in production "
                                 "(`zhaoshang keys new` makes a key)")
            if any(key == DEV_KEY for _, key in data_keys):
                raise ValueError("DATA_KEYS must not hold the public development key "
                                 "in production")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.display_timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
