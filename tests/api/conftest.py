"""API fixtures: agency-client and user tokens, and headers that carry them."""

from collections.abc import Callable, Iterator

import pytest
from sqlmodel import Session

from app.accounts.permissions import Actor
from app.api.auth import SCOPES, create_client
from tests.conftest import settings_env

ALL_SCOPES = list(SCOPES)


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


@pytest.fixture
def client_token(session: Session) -> Callable[..., str]:
    """Returns a function: create an agency client, commit, return its token."""
    counter = iter(range(1, 10_000))

    def make(scopes: list[str] | None = None, county: str | None = None,
             rate_limit: int | None = 100_000, name: str | None = None) -> str:
        new = create_client(session, Actor.system("test"),
                            name=name or f"测试客户端{next(counter)}",
                            scopes=ALL_SCOPES if scopes is None else scopes,
                            county_code=county, rate_limit_per_minute=rate_limit)
        session.commit()
        return new.token

    return make


@pytest.fixture
def token(client_token: Callable[..., str]) -> str:
    """A city-wide client with every scope."""
    return client_token()


@pytest.fixture
def local_receivers() -> Iterator[None]:
    """Lets webhooks reach receivers on 127.0.0.1 over plain http, as the settings allow
    (off by default: outbound calls are https to public addresses only)."""
    with settings_env(OUTBOUND_ALLOW_HTTP="true", OUTBOUND_ALLOWED_NETWORKS="127.0.0.1/32"):
        yield
