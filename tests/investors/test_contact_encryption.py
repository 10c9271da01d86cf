"""Contacts' phones and e-mails are encrypted at rest: a database dump shows ciphertext, the
product keeps showing and comparing plain values."""

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.crypto import UnreadableValue
from app.projects.models import InvestorContact
from app.projects.schemas import ContactIn, InvestorIn
from tests.conftest import count

INVESTOR = "山西宏达碳素科技有限公司"


def add_contacts(make_project, *contacts: ContactIn, **overrides):
    return make_project(investor=InvestorIn(name=INVESTOR, contacts=list(contacts)),
                        **overrides)


def raw_rows(session, table: str) -> list[tuple]:
    return [tuple(row) for row in session.execute(sa.text(f"SELECT * FROM {table}"))]


def test_phone_and_email_read_back_as_written(session, make_project):
    add_contacts(make_project, ContactIn(name="陈经理", phone="138 1234 1234",
                                         email="Chen@example.com"))
    session.commit()
    session.expunge_all()  # read from the database, not from the objects just written

    contact = session.scalars(sa.select(InvestorContact)).one()

    assert (contact.phone, contact.email) == ("138 1234 1234", "Chen@example.com")


def test_a_database_dump_shows_no_phone_or_email(session, make_project, staff):
    add_contacts(make_project, ContactIn(name="陈经理", phone="13812345678",
                                         email="chen.jingli@example.com"))
    user = session.get(User, staff.user_id)
    user.phone = "0357-2345678"
    session.flush()

    dump = repr(raw_rows(session, "investor_contact") + raw_rows(session, "app_user"))

    for secret in ("12345678", "2345678", "chen.jingli", "example.com"):
        assert secret not in dump
    assert session.get(User, staff.user_id).phone == "0357-2345678"


def test_a_contact_sent_again_with_the_phone_written_differently_is_not_added_twice(
        session, make_project):
    first = add_contacts(make_project, ContactIn(name="陈经理", phone="138 1234 1234"))
    add_contacts(make_project, ContactIn(name="陈经理", phone="+86 138-1234-1234"),
                 name="二期", same_investor_as=first.id)
    add_contacts(make_project, ContactIn(name="陈经理", phone="139-0000-0000"),
                 name="三期", same_investor_as=first.id)

    phones = session.scalars(sa.select(InvestorContact)).all()
    assert sorted(c.phone for c in phones) == ["138 1234 1234", "139-0000-0000"]


def test_a_contact_without_phone_is_told_apart_by_email_in_any_case(session, make_project):
    first = add_contacts(make_project, ContactIn(name="刘女士", email="Liu@Example.com"))
    add_contacts(make_project, ContactIn(name="刘女士", email="liu@example.COM"),
                 name="二期", same_investor_as=first.id)
    add_contacts(make_project, ContactIn(name="刘女士", email="liu2@example.com"),
                 name="三期", same_investor_as=first.id)

    assert count(session, InvestorContact) == 2


def test_a_phone_moved_to_another_contact_is_refused_not_shown(session, make_project):
    add_contacts(make_project, ContactIn(name="陈经理", phone="13812341234"),
                 ContactIn(name="刘女士", phone="13900000000", email="liu@example.com"))
    chen, liu = session.scalars(sa.select(InvestorContact).order_by(InvestorContact.id))
    session.execute(sa.text(
        "UPDATE investor_contact SET phone_encrypted = :stolen, email_encrypted = :phone "
        "WHERE id = :id"),
        {"stolen": chen.phone_encrypted, "phone": liu.phone_encrypted, "id": liu.id})
    session.expire_all()

    with pytest.raises(UnreadableValue, match=f"investor_contact.phone of row {liu.id} "):
        _ = liu.phone
    with pytest.raises(UnreadableValue, match=f"investor_contact.email of row {liu.id} "):
        _ = liu.email
    assert chen.phone == "13812341234"


def test_a_changed_ciphertext_is_refused(session, make_project):
    add_contacts(make_project, ContactIn(name="陈经理", phone="13812341234"))
    contact = session.scalars(sa.select(InvestorContact)).one()
    stored = contact.phone_encrypted
    flipped = stored[:-2] + ("A" if stored[-2] != "A" else "B") + stored[-1]
    session.execute(sa.text("UPDATE investor_contact SET phone_encrypted = :v"), {"v": flipped})
    session.expire_all()

    with pytest.raises(UnreadableValue, match="changed or moved"):
        _ = contact.phone


def test_the_contacts_page_marks_an_unreadable_phone_and_still_shows_the_others(
        session, make_project, signed_in, client):
    project = add_contacts(make_project, ContactIn(name="陈经理", phone="13812341234"),
                           ContactIn(name="刘女士", phone="13900000000"))
    chen, liu = session.scalars(sa.select(InvestorContact).order_by(InvestorContact.id))
    session.execute(sa.text("UPDATE investor_contact SET phone_encrypted = :v WHERE id = :id"),
                    {"v": chen.phone_encrypted, "id": liu.id})
    session.commit()
    signed_in("admin.a", roles=["admin"])

    page = client.get(f"/projects/{project.id}/contacts")

    assert page.status_code == 200
    assert "13812341234" in page.text
    assert "无法解密" in page.text
