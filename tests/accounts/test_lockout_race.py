"""The lock-out under concurrent guessing: 30 wrong passwords sent at once for one account
get at most 5 of them checked, on real connections."""

import threading
import time

import sqlalchemy as sa

from app.accounts import service
from app.accounts.models import User
from app.accounts.service import create_user
from app.config import get_settings
from app.db import session_scope, utcnow
from tests.conftest import TEST_PASSWORD, live_client, race

GUESSES = 30


def test_concurrent_wrong_guesses_check_at_most_five_passwords(live_app, fresh_engine,
                                                               monkeypatch):
    with session_scope(engine=fresh_engine) as session:
        user = create_user(session, username="li.na", display_name="李娜",
                           password=TEST_PASSWORD, roles=["staff"], must_change_password=False)
        real_hash = user.password_hash
    checked = []
    count_lock = threading.Lock()

    def counting_verify(password_hash: str, password: str) -> bool:
        if password_hash == real_hash:
            with count_lock:
                checked.append(password)
        time.sleep(0.05)  # argon2's time (0.05 to 0.7 s), without its CPU and memory
        return False  # every guess is wrong


    monkeypatch.setattr(service, "verify_password", counting_verify)
    clients = [live_client(live_app) for _ in range(GUESSES)]

    def guess(n: int) -> int:
        return clients[n].post("/api/v1/auth/token", data={
            "username": "li.na", "password": f"Guess-{n:02d}-pass"}).status_code

    statuses = race(GUESSES, guess)

    assert statuses == [401] * GUESSES
    assert len(checked) <= get_settings().login_max_failures, len(checked)
    with session_scope(write=False, engine=fresh_engine) as session:
        locked_until = session.scalar(sa.select(User.locked_until).where(User.id == user.id))
    assert locked_until is not None and locked_until > utcnow()
