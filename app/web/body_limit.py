"""The API's request-size limit, as an ASGI layer: too large a body is a 413 problem."""

import json
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.problems import PROBLEM_JSON, Problem

TOO_LARGE_DETAIL = "The request body is larger than {limit} bytes."


class BodyTooLarge(HTTPException):
    """Raised while the body is read; an HTTPException, so FastAPI passes it on to the
    problem+json renderer instead of calling it a parsing error."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=TOO_LARGE_DETAIL.format(limit=limit))


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
            await _too_large(limit, send)
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
            await _too_large(limit, send)


async def _too_large(limit: int, send: Send) -> None:
    body = json.dumps(Problem(type="/problems/request-too-large", title="Request too large",
                              status=413, detail=TOO_LARGE_DETAIL.format(limit=limit))
                      .model_dump(exclude_none=True)).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", PROBLEM_JSON.encode()),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
