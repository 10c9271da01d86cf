"""Contacts are personal information: masked for those who do not work on the project,
shown in full only by a deliberate, audited click."""

import pytest
import sqlalchemy as sa

from app.accounts.permissions import Actor
from app.audit.models import AuditEvent
from app.errors import PermissionDenied
from app.investors.service import mask_email, mask_phone, project_contacts
from app.projects.confidential import works_on_project
from app.projects.models import TeamMember
from app.projects.schemas import ContactIn, InvestorIn
from tests.conftest import count, csrf_of, make_actor


def with_contact(make_project, **overrides):
    investor = InvestorIn(name="山西宏达碳素科技有限公司", contacts=[
        ContactIn(name="陈经理", title="投资总监", phone="13812341234",
                  email="chen@example.com")])
    return make_project(investor=investor, **overrides)


def unmask_rows(session) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "contact.unmask")))


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812341234", "138****1234"),
    ("138 1234 1234", "138 **** 1234"),
    ("+86 13812341234", "+86 1******1234"),
    ("0357-2345678", "035*-***5678"),
    ("2345678", "****678"),
    ("12345", "***45"),
    ("12", "*2"),
    ("7", "*"),
    ("", ""),
    (None, None),
])
def test_mask_phone_hides_at_least_half_and_keeps_separators(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(("email", "masked"), [
    ("zhang@example.com", "z***@example.com"),
    ("z@example.com", "z***@example.com"),
    ("@example.com", "***@example.com"),
    ("a@b@example.com", "a***@example.com"),
    ("no-at-sign", "n***"),
    ("  chen@example.com ", "c***@example.com"),
    ("", ""),
    (None, None),
])
def test_mask_email_keeps_the_first_character_and_the_domain(email, masked):
    assert mask_email(email) == masked


def test_staff_not_on_the_project_sees_masked_contacts(client, signed_in, make_project):
    project = with_contact(make_project)
    signed_in("zhang.wei", roles=["staff"])

    page = client.get(f"/projects/{project.id}/contacts")

    assert page.status_code == 200
    assert "138****1234" in page.text and "13812341234" not in page.text
    assert "c***@example.com" in page.text and "chen@example.com" not in page.text
    assert "显示完整信息" in page.text
    assert f'hx-post="/projects/{project.id}/contacts/unmask"' in page.text
    assert "no-store" in page.headers["cache-control"]


def test_the_investor_tab_loads_the_contacts_which_are_a_page_of_their_own_without_js(
        client, signed_in, make_project):
    project = with_contact(make_project)
    signed_in("zhang.wei", roles=["staff"])

    tab = client.get(f"/projects/{project.id}?tab=investor")
    assert f'hx-get="/projects/{project.id}/contacts"' in tab.text
    assert "13812341234" not in tab.text and "138****1234" not in tab.text

    page = client.get(f"/projects/{project.id}/contacts")
    assert "<nav" in page.text and "投资方联系人" in page.text
    assert "年产10万吨针状焦项目" in page.text and "138****1234" in page.text
    fragment = client.get(f"/projects/{project.id}/contacts", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith(f'<div id="contacts-{project.id}"')
    assert "138****1234" in fragment.text

def test_the_responsible_leader_sees_them_in_full_without_an_audit_row(
        client, signed_in, session, make_project):
    leader = signed_in("li.yunfeng", roles=["leader"])
    project = with_contact(make_project, leader_id=leader.user_id)
    session.commit()

    page = client.get(f"/projects/{project.id}/contacts")

    assert "13812341234" in page.text and "chen@example.com" in page.text
    assert "显示完整信息" not in page.text
    assert unmask_rows(session) == []


def test_a_supervisor_unmasks_with_one_audit_row(client, signed_in, session, make_project):
    project = with_contact(make_project)
    signed_in("sun.li", roles=["supervisor"])
    assert "138****1234" in client.get(f"/projects/{project.id}/contacts").text

    response = client.post(f"/projects/{project.id}/contacts/unmask",
                           data={"csrf_token": csrf_of(client)})

    assert response.status_code == 200
    assert "13812341234" in response.text and "chen@example.com" in response.text
    assert "显示完整信息" not in response.text
    rows = unmask_rows(session)
    assert len(rows) == 1
    contact_id = project_contacts(session, Actor.system(), project.id)[0].id
    assert (rows[0].username, rows[0].object_type, rows[0].object_id) == (
        "sun.li", "project", str(project.id))
    assert str(contact_id) in rows[0].detail


def test_unmask_without_the_csrf_token_is_refused(client, signed_in, session, make_project):
    project = with_contact(make_project)
    signed_in("sun.li", roles=["supervisor"])

    response = client.post(f"/projects/{project.id}/contacts/unmask")

    assert response.status_code == 403
    assert "13812341234" not in response.text
    assert unmask_rows(session) == []


def test_unmasking_is_a_post_only(client, signed_in, make_project):
    project = with_contact(make_project)
    signed_in("sun.li", roles=["supervisor"])
    assert client.get(f"/projects/{project.id}/contacts/unmask").status_code == 405


def test_another_county_gets_404_for_both_routes(client, signed_in, session, make_project):
    project = with_contact(make_project, county="yaodu")
    signed_in("zhao.lei", roles=["staff"], county_code="houma")

    assert client.get(f"/projects/{project.id}/contacts").status_code == 404
    response = client.post(f"/projects/{project.id}/contacts/unmask",
                           data={"csrf_token": csrf_of(client)})
    assert response.status_code == 404
    assert unmask_rows(session) == []


def test_who_works_on_a_project(session, make_project, staff, leader, admin):
    project = with_contact(make_project, leader_id=leader.user_id)
    outsider = make_actor(session, "zhang.wei", "张伟", ["staff"])
    member = make_actor(session, "liu.min", "刘敏", ["staff"])
    session.add(TeamMember(project_id=project.id, user_id=member.user_id, role="member"))
    session.flush()

    assert works_on_project(session, staff, project)  # the creator
    assert works_on_project(session, leader, project)
    assert works_on_project(session, member, project)
    assert works_on_project(session, admin, project)
    assert not works_on_project(session, outsider, project)
    assert project_contacts(session, member, project.id)[0].phone == "13812341234"
    assert project_contacts(session, outsider, project.id)[0].masked


def test_unmask_needs_the_permission_and_records_one_row_each_time(session, make_project):
    project = with_contact(make_project)
    auditor = make_actor(session, "shen.jie", "沈洁", ["auditor"], county_code=None)
    supervisor = make_actor(session, "sun.li", "孙丽", ["supervisor"])
    with pytest.raises(PermissionDenied):
        project_contacts(session, auditor, project.id, unmask=True)

    project_contacts(session, supervisor, project.id, unmask=True)
    project_contacts(session, supervisor, project.id, unmask=True)

    assert count(session, AuditEvent, AuditEvent.action == "contact.unmask") == 2
