"""API fixtures: agency-client and user tokens, and headers that carry them."""

from collections.abc import Callable, Iterator

import pytest

from tests.conftest import settings_env


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


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
