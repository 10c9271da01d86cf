"""Keys for personal data at rest: DATA_KEYS, several keys at once, rotation, the migration
that encrypted the plain columns."""

import base64
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from pydantic import ValidationError
from sqlmodel import Session
from typer.testing import CliRunner

from app import cli
from app.accounts.models import User
from app.config import Settings, get_settings
from app.crypto import DEV_KEY, UnreadableValue, dev_key_entry
from app.db import create_db_engine
from app.projects.investors import resolve_investor
from app.projects.models import InvestorContact
from app.projects.schemas import ContactIn, InvestorIn
from tests.conftest import alembic_config, production_settings

K1 = "k1:" + base64.urlsafe_b64encode(bytes(range(32))).decode()
K2 = "k2:" + base64.b64encode(bytes(range(100, 132))).decode()  # standard base64 works too
MIGRATION = "d328ebdf3203"


@pytest.fixture
def data_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """Returns a function: use these DATA_KEYS entries from now on."""

    def use(*entries: str) -> None:
        monkeypatch.setenv("DATA_KEYS", ",".join(entries))
        get_settings.cache_clear()

    yield use
    monkeypatch.undo()
    get_settings.cache_clear()


def stored_key_ids(session: Session) -> set[str]:
    values = session.execute(sa.text(
        "SELECT phone_encrypted, email_encrypted FROM investor_contact "
        "UNION ALL SELECT phone_encrypted, NULL FROM app_user")).all()
    return {value.split(":")[0] for row in values for value in row if value}


# --- settings ------------------------------------------------------------------------------

def test_production_refuses_to_start_without_data_keys() -> None:
    with pytest.raises(ValidationError, match="DATA_KEYS must be set in production"):
        production_settings(data_keys="")
    with pytest.raises(ValidationError, match="development key"):
        production_settings(data_keys=dev_key_entry())
    assert production_settings(data_keys=K1).data_keys.get_secret_value() == K1


@pytest.mark.parametrize(("data_keys", "message"), [
    ("k1", "entry 1 must read KEY_ID:BASE64"),
    (f"{K1},bad id:AAAA", "entry 2 must read KEY_ID:BASE64"),
    ("k1:not*base64", "key k1 is not valid base64"),
    ("k1:" + base64.b64encode(b"short").decode(), "key k1 must be 32 random bytes"),
    (f"{K1},{K1}", "names key k1 twice"),
])
def test_a_malformed_data_keys_is_refused_without_echoing_the_key(data_keys, message) -> None:
    with pytest.raises(ValidationError, match=message) as refused:
        Settings(data_keys=data_keys)
    assert K1.split(":")[1] not in str(refused.value)


def test_development_without_data_keys_uses_the_public_development_key(
        session, make_project, data_keys) -> None:
    data_keys()
    make_project(investor=InvestorIn(name="甲公司", contacts=[
        ContactIn(name="陈", phone="13800001111")]))
    session.flush()

    assert stored_key_ids(session) == {"dev"}
    assert dev_key_entry().endswith(base64.urlsafe_b64encode(DEV_KEY).decode().rstrip("="))


# --- several keys --------------------------------------------------------------------------

def test_a_value_under_an_older_key_still_reads_and_new_writes_use_the_first(
        session, make_project, data_keys) -> None:
    data_keys(K1)
    make_project(investor=InvestorIn(name="甲公司", contacts=[
        ContactIn(name="陈经理", phone="138 1234 1234")]))
    session.flush()
    data_keys(K2, K1)
    session.expunge_all()

    old = session.scalars(sa.select(InvestorContact)).one()
    assert old.phone == "138 1234 1234"
    old.email = "chen@example.com"
    session.flush()
    assert old.email_encrypted.startswith("k2:") and old.phone_encrypted.startswith("k1:")
    # The duplicate check still matches the blind index written under k1.
    resolve_investor(session, InvestorIn(name="甲公司", contacts=[
        ContactIn(name="陈经理", phone="13812341234")]))
    assert session.scalar(sa.select(sa.func.count()).select_from(InvestorContact)) == 1


def test_a_value_under_a_removed_key_is_refused_naming_the_key(
        session, make_project, data_keys) -> None:
    data_keys(K1)
    make_project(investor=InvestorIn(name="甲公司", contacts=[
        ContactIn(name="陈经理", phone="13812341234")]))
    session.flush()
    data_keys(K2)
    session.expunge_all()

    with pytest.raises(UnreadableValue, match="key 'k1' is not in DATA_KEYS"):
        _ = session.scalars(sa.select(InvestorContact)).one().phone


# --- rotation ------------------------------------------------------------------------------

runner = CliRunner()


def seed_contacts_and_a_user(url: str, n: int) -> None:
    engine = create_db_engine(url)
    with Session(engine) as session:
        for i in range(n):
            resolve_investor(session, InvestorIn(name=f"投资方{i}", contacts=[
                ContactIn(name="陈经理", phone=f"138 0000 {i:04d}", email=f"c{i}@example.com"),
                ContactIn(name="刘女士", phone=f"139-0000-{i:04d}")]))
        session.add(User(username="u", display_name="用户", password_hash="x",
                         phone="0357-2345678"))
        session.commit()
    engine.dispose()


@pytest.fixture
def seeded_under_k1(empty_database, data_keys, monkeypatch):
    """Returns a function: the app's migrated database with n investors' contacts and a user,
    written under k1."""
    url = empty_database
    monkeypatch.setenv("DATABASE_URL", url)
    data_keys(K1)
    command.upgrade(alembic_config(url), "head")

    def seed(n: int) -> str:
        seed_contacts_and_a_user(url, n)
        return url

    return seed


def test_rotate_moves_every_value_to_the_new_key_so_the_old_one_can_go(
        seeded_under_k1, data_keys) -> None:
    url = seeded_under_k1(7)
    data_keys(K2, K1)

    rotated = runner.invoke(cli.app, ["keys", "rotate", "--batch-size", "3"])

    assert rotated.exit_code == 0, rotated.output
    assert "investor_contact.phone: 14 re-encrypted, 0 already under k2" in rotated.stdout
    assert "investor_contact.email: 7 re-encrypted" in rotated.stdout
    assert "app_user.phone: 1 re-encrypted" in rotated.stdout
    assert "k1 may be removed from DATA_KEYS" in rotated.stdout
    again = runner.invoke(cli.app, ["keys", "rotate"])
    assert "investor_contact.phone: 0 re-encrypted, 14 already under k2" in again.stdout

    data_keys(K2)  # k1 removed
    engine = create_db_engine(url)
    with Session(engine) as session:
        assert stored_key_ids(session) == {"k2"}
        contacts = session.scalars(sa.select(InvestorContact).order_by(InvestorContact.id))
        assert [c.phone for c in contacts][:2] == ["138 0000 0000", "139-0000-0000"]
        assert session.scalars(sa.select(User)).one().phone == "0357-2345678"
        # Blind indexes were renewed too: the same contact sent again is still known.
        resolve_investor(session, InvestorIn(name="投资方3", contacts=[
            ContactIn(name="陈经理", phone="13800000003")]))
        session.flush()
        assert session.scalar(sa.select(sa.func.count()).select_from(InvestorContact)) == 14
    engine.dispose()


def test_rotate_stops_on_an_unreadable_value_without_traceback(
        seeded_under_k1, data_keys) -> None:
    seeded_under_k1(1)
    data_keys(K2)  # k1 forgotten too early

    rotated = runner.invoke(cli.app, ["keys", "rotate"])

    assert rotated.exit_code == 1
    assert "key 'k1' is not in DATA_KEYS" in rotated.stderr
    assert "Traceback" not in rotated.output


def test_keys_new_prints_a_key_data_keys_accepts() -> None:
    made = runner.invoke(cli.app, ["keys", "new", "--id", "k2027"])

    assert made.exit_code == 0, made.output
    entry = made.stdout.strip()
    assert entry.startswith("k2027:")
    assert production_settings(data_keys=entry)
    assert runner.invoke(cli.app, ["keys", "new"]).stdout.strip() != entry


# --- the migration -------------------------------------------------------------------------

def test_the_migration_encrypts_existing_values_and_the_downgrade_restores_them(
        empty_database, data_keys) -> None:
    url = empty_database
    data_keys(K1)
    config = alembic_config(url)
    before = ScriptDirectory.from_config(config).get_revision(MIGRATION).down_revision
    command.upgrade(config, before)
    engine = create_db_engine(url)
    plain_contacts = [(i, f"138 0000 {i:04d}", f"C{i}@example.com" if i % 2 else None)
                      for i in range(1, 1203)]  # more than two batches
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO investor (id, name, normalized_name, created_at) "
                             "VALUES (1, '甲', '甲', '2026-01-01 00:00:00')"))
        conn.execute(sa.text(
            "INSERT INTO investor_contact (id, investor_id, name, phone, email) "
            "VALUES (:id, 1, '陈经理', :phone, :email)"),
            [{"id": i, "phone": phone, "email": email} for i, phone, email in plain_contacts])
        conn.execute(sa.text(
            "INSERT INTO app_user (id, username, display_name, password_hash, phone, "
            "is_active, language, created_at, failed_login_count, must_change_password) "
            "VALUES (1, 'l', '领导', 'x', '0357-2345678', true, 'zh_CN', "
            "'2026-01-01 00:00:00', 0, false)"))

    command.upgrade(config, MIGRATION)

    with Session(engine) as session:
        dump = repr(session.execute(sa.text("SELECT * FROM investor_contact")).all()
                    + session.execute(sa.text("SELECT * FROM app_user")).all())
        assert "0000 0001" not in dump and "2345678" not in dump and "example" not in dump
        assert stored_key_ids(session) == {"k1"}
        contacts = session.scalars(sa.select(InvestorContact).order_by(InvestorContact.id))
        assert [(c.id, c.phone, c.email) for c in contacts] == plain_contacts
        assert session.get(User, 1).phone == "0357-2345678"
        resolve_investor(session, InvestorIn(name="甲", contacts=[
            ContactIn(name="陈经理", phone="13800000007")]))
        session.flush()
        assert session.scalar(sa.select(sa.func.count()).select_from(InvestorContact)) == 1202
        session.rollback()

    command.downgrade(config, before)

    with engine.connect() as conn:
        assert conn.execute(sa.text(
            "SELECT id, phone, email FROM investor_contact ORDER BY id")).all() == plain_contacts
        assert conn.execute(sa.text("SELECT phone FROM app_user")).scalar() == "0357-2345678"
    engine.dispose()
