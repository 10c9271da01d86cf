"""The API's token fixtures, for tests here that call the API."""

from tests.api.conftest import client_token, token  # noqa: F401
