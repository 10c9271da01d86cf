"""Production settings that cannot be wrong quietly: a fixed set of environments, secrets
that must be long and hard to guess (every setting marked secret alike), and a start-up
report that says what was checked without showing any secret."""

import base64
import os
import secrets
from typing import Annotated

import pytest
from pydantic import SecretStr, ValidationError

from app.config import (
    DEFAULT_SECRET,
    SECRET,
    Settings,
    describe_settings_error,
    startup_report,
)
from app.crypto import new_key_entry
from tests.conftest import production_env, production_settings

STRONG = secrets.token_urlsafe(48)
WEAK_SECRETS = [
    "a" * 40,
    "1234567890" * 4,
    "abc" * 14,
    "0123456789abcdef" * 2,
    "qwertyuiopasdfghjklzxcvbnm1234567890",
    "abcdefghijklmnopqrstuvwxyz0123456789ABCD",
    "change-me-in-production-change-me",
    DEFAULT_SECRET,
    "Xy7#kP2q",  # random but short
]


def refusal(**values: object) -> str:
    with pytest.raises(ValidationError) as refused:
        Settings(**values)
    return describe_settings_error(refused.value)


@pytest.mark.parametrize("weak", WEAK_SECRETS)
def test_production_refuses_a_short_repeated_or_guessable_secret(weak):
    message = refusal(environment="production", secret_key=weak)
    assert "SECRET_KEY" in message
    assert "too short" in message or "too easy to guess" in message or "placeholder" in message
    assert weak not in message


@pytest.mark.parametrize("strong", [
    secrets.token_urlsafe(24), secrets.token_hex(16), secrets.token_urlsafe(48),
    secrets.token_hex(40), base64.urlsafe_b64encode(os.urandom(32)).decode(),
], ids=["urlsafe-24", "hex-16", "urlsafe-48", "hex-40", "base64-32"])  # xdist: same ids
def test_production_accepts_a_random_secret(strong):
    assert production_settings(secret_key=strong).secret_key == strong


@pytest.mark.parametrize("environment", ["development", "test"])
def test_outside_production_a_weak_secret_is_allowed_and_reported(environment):
    settings = Settings(environment=environment, secret_key="a" * 40)
    assert "SECRET_KEY: weak: is too easy to guess" in "\n".join(startup_report(settings))


@pytest.mark.parametrize("environment", ["prod", "Production", "staging", ""])
def test_an_unknown_environment_is_refused_naming_the_allowed_values(environment):
    message = refusal(environment=environment, secret_key=STRONG)
    assert message == "ENVIRONMENT: Input should be 'development', 'test' or 'production'"


def test_debug_is_refused_in_production_together_with_a_weak_secret():
    message = refusal(environment="production", secret_key="abc" * 14, debug=True)
    assert "SECRET_KEY is too easy to guess" in message
    assert "DEBUG must be off in production" in message
    assert "abc" * 14 not in message


class PluggedSettings(Settings):
    """A secret as a later part of the app adds one: marked, or typed SecretStr."""

    robot_secret: Annotated[str | None, SECRET] = None
    robot_keys: list[SecretStr] = []


@pytest.mark.parametrize(("values", "named"), [
    ({"audit_key": "1234567890" * 4}, "AUDIT_KEY"),
    ({"robot_secret": "abc" * 14}, "ROBOT_SECRET"),
    ({"robot_keys": [STRONG, "abc" * 14]}, "ROBOT_KEYS"),
    ({"robot_keys": ["short"]}, "ROBOT_KEYS"),
])
def test_every_setting_marked_secret_is_checked_like_the_secret_key(values, named):
    production = {k.lower(): v for k, v in production_env().items()}
    with pytest.raises(ValidationError) as refused:
        PluggedSettings(**{**production, **values})
    message = describe_settings_error(refused.value)
    assert named in message
    assert "abc" * 14 not in message and "1234567890" not in message


def test_the_report_names_each_secret_and_whether_it_is_set_never_its_value():
    audit_key, data_key = secrets.token_urlsafe(40), new_key_entry("k1")
    settings = production_settings(
        secret_key=STRONG, audit_key=audit_key, data_keys=data_key, cookie_secure=True,
        database_url="postgresql://zhaoshang:db-Pa55word@db.internal:5432/zhaoshang")
    report = startup_report(settings)
    assert report[:2] == ["environment: production",
                          "database: PostgreSQL (zhaoshang@db.internal:5432/zhaoshang)"]
    for line in ("SECRET_KEY: set, strong", "AUDIT_KEY: set, strong", "DATA_KEYS: set, strong",
                 "DEBUG: off", "cookies: always Secure", "production checks passed"):
        assert line in report
    text = "\n".join(report)
    for secret in (STRONG, audit_key, data_key, "db-Pa55word"):
        assert secret not in text
    unset = startup_report(Settings(environment="development", secret_key=STRONG))
    assert "AUDIT_KEY: not set" in unset and "DATA_KEYS: not set" in unset


def test_the_report_warns_when_cookies_are_never_secure():
    report = startup_report(Settings(cookie_secure=False))
    assert any(line.startswith("cookies: never Secure") for line in report)
