"""Running a request again when its transaction lost a race for a lock.

PostgreSQL ends one of two transactions that wait on each other (a deadlock) or, at the
stricter isolation levels, one that overlapped a conflicting change (a serialization
failure); SQLite gives up with "database is locked" after its busy time-out. Each time the
unit of work rolled back and nothing was kept, so the whole request can simply run again:
its body, as the app read it, is kept and fed to it again. Only while no byte of the answer
has left; after ATTEMPTS tries the answer is a 503 with Retry-After, never a 500.
"""

import asyncio
import logging
import random
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import lost_lock_race

ATTEMPTS = 3
RETRY_AFTER_SECONDS = 1
log = logging.getLogger("zhaoshang")


class _KeptBody:
    """The request's body messages as the app read them, to read again on a replay."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._messages: list[Message] = []

    def reader(self) -> Receive:
        position = 0

        async def receive() -> Message:
            nonlocal position
            if position < len(self._messages):
                position += 1
                return self._messages[position - 1]
            message = await self._receive()
            if message["type"] == "http.request":
                self._messages.append(message)
                position += 1
            return message

        return receive


class _Sent:
    """Passes the answer on, noting whether it has begun."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


class ReplayLostLockRace:
    """Inside the server-error layer, so it sees the database's exception itself; inside
    the request-size limit, so it never keeps more of a body than that allows."""

    def __init__(self, app: ASGIApp, busy: Callable[[Request], Response],
                 attempts: int = ATTEMPTS) -> None:
        self.app = app
        self.busy = busy
        self.attempts = attempts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Shared by every attempt: who the caller is was settled (and rate-counted) once.
        scope.setdefault("state", {})
        body = _KeptBody(receive)
        for attempt in range(1, self.attempts + 1):
            sent = _Sent(send)
            try:
                await self.app(dict(scope), body.reader(), sent)
                return
            except Exception as exc:
                if sent.started or not lost_lock_race(exc):
                    raise
                log.warning("%s %s lost a lock race (attempt %d of %d): %s", scope["method"],
                            scope["path"], attempt, self.attempts, exc.__cause__ or exc)
            if attempt < self.attempts:
                # Apart, so the same racers do not meet again at once.
                await asyncio.sleep(random.uniform(0.01, 0.05) * attempt)
        await self.busy(Request(scope))(scope, receive, send)
