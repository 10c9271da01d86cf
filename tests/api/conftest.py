"""API fixtures: agency-client and user tokens, and headers that carry them."""

from collections.abc import Callable

import pytest


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


@pytest.fixture
def token(client_token: Callable[..., str]) -> str:
    """A city-wide client with every scope."""
    return client_token()
