"""API fixtures: receivers for webhooks. `token` and `bearer` are in tests/conftest.py (the
pages' tests use them too); `bearer` is imported here as the API tests import it from here."""

from collections.abc import Iterator

import pytest

from tests.conftest import bearer, settings_env  # noqa: F401


@pytest.fixture
def local_receivers() -> Iterator[None]:
    """Lets webhooks reach receivers on 127.0.0.1 over plain http, as the settings allow
    (off by default: outbound calls are https to public addresses only)."""
    with settings_env(OUTBOUND_ALLOW_HTTP="true", OUTBOUND_ALLOWED_NETWORKS="127.0.0.1/32"):
        yield
