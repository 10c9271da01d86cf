"""The JSON shapes of the API's sign-in: a user token, and who a token belongs to."""

from pydantic import BaseModel


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    kind: str  # "user" or "client"
    name: str
    roles: list[str]
    scopes: list[str]
    county: str | None
