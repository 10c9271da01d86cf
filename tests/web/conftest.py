"""The API's token fixture, for tests here that call the API."""

from tests.api.conftest import token  # noqa: F401
