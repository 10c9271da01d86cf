"""Settings from the environment (prefix-free names, as the README documents)."""

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "change-me-in-production"


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

    @model_validator(mode="after")
    def refuse_unsafe_production(self) -> "Settings":
        if self.environment == "production":
            if self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
                raise ValueError(
                    "SECRET_KEY must be set to a random value of 32+ characters in production"
                )
            if self.debug:
                raise ValueError("DEBUG must be off in production")
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
