"""The API's request-size limit, as an ASGI layer: too large a body is a 413 problem."""

import json
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import _, translate
from app.web.deps import request_locale
from app.web.problems import PROBLEM_JSON, Problem

TOO_LARGE_TITLE = _("Request too large")
TOO_LARGE_DETAIL = _("The request body is larger than {limit} bytes.")


def too_large_detail(limit: int, locale: str) -> str:
    return translate(TOO_LARGE_DETAIL, locale, limit=f"{limit:,}")


class BodyTooLarge(HTTPException):
    """Raised while the body is read; an HTTPException, so FastAPI passes it on to the
    problem+json renderer instead of calling it a parsing error (which says it in the
    reader's language: `too_large_detail`)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=too_large_detail(limit, "en"))
        self.limit = limit


class BodySizeLimitMiddleware:
    """Counts the bytes of every request body under /api: more than `max_bytes` is a 413
    problem, whether announced by Content-Length or streamed without one."""

    def __init__(self, app: ASGIApp, max_bytes: int | Callable[[], int]) -> None:
        self.app = app
        self._max_bytes = max_bytes

    @property
    def max_bytes(self) -> int:
        return self._max_bytes() if callable(self._max_bytes) else self._max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(limit, scope, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await _too_large(limit, scope, send)


async def _too_large(limit: int, scope: Scope, send: Send) -> None:
    locale = request_locale(Request(scope))
    body = json.dumps(Problem(type="/problems/request-too-large",
                              title=translate(TOO_LARGE_TITLE, locale), status=413,
                              detail=too_large_detail(limit, locale))
                      .model_dump(exclude_none=True), ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", PROBLEM_JSON.encode()),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
