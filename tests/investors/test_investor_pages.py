"""The investor and its contacts changed from the project page: the form says when the
company has other projects, bad input is a Chinese message beside the field and changes
nothing, a stale form is refused, and contacts are added, changed (masked values kept)
and removed."""

import json

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.audit_trail.history import history_for_project
from app.projects.investors import credit_code_check_char
from app.projects.models import Investor, InvestorContact, TeamMember
from app.projects.schemas import ContactIn, InvestorIn, InvestorUpdate
from app.projects.service import update_investor
from tests.conftest import count, csrf_of, make_actor
from tests.projects.test_detail_page import form_fields


def code(n: int) -> str:
    first17 = f"9114010{n:010d}"
    return first17 + credit_code_check_char(first17)


def post(client, path, data, htmx=False):
    token = csrf_of(client, "/account")
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(path, data={"csrf_token": token, **data}, headers=headers,
                       follow_redirects=False)


def investor_of(session, project) -> Investor:
    investor = session.get(Investor, project.investor_id)
    session.refresh(investor)
    return investor


@pytest.fixture
def project(make_project):
    return make_project(investor=InvestorIn(
        name="山西宏达碳素科技有限公司", credit_code=code(1),
        contacts=[ContactIn(name="陈经理", title="投资总监", phone="13812341234",
                            email="chen@example.com")]))


def edit_form(client, project) -> dict[str, str]:
    page = client.get(f"/projects/{project.id}/investor/edit")
    assert page.status_code == 200, page.text
    return form_fields(page.text, f"investor-form-{project.id}")


def test_the_investor_is_edited_from_the_project_page_for_all_its_projects(
        client, signed_in, session, make_project, project):
    second = make_project(name="二期项目", investor=InvestorIn(name="山西宏达碳素科技有限公司"),
                          same_investor_as=project.id)
    signed_in("zhang.wei")
    assert "编辑投资方" in client.get(f"/projects/{project.id}").text
    page = client.get(f"/projects/{project.id}/investor/edit")
    assert "该投资方还关联 1 个项目" in page.text
    fields = form_fields(page.text, f"investor-form-{project.id}")

    done = post(client, f"/projects/{project.id}/investor/edit",
                {**fields, "name": "山西宏达新材料有限公司", "hq_city": "太原市",
                 "ownership": "private"})

    assert done.status_code == 303
    assert done.headers["location"] == f"/projects/{project.id}?tab=investor"
    investor = investor_of(session, project)
    assert (investor.name, investor.hq_city, investor.ownership) == (
        "山西宏达新材料有限公司", "太原市", "private")
    assert investor.credit_code == code(1)  # not touched
    session.refresh(second)
    assert second.version == 2 and "新材料" in second.search_text
    history = client.get(f"/projects/{second.id}?tab=history").text
    assert "修改投资方" in history and "山西宏达新材料有限公司" in history
    assert "民营" in history or "私营" in history


def test_a_credit_code_of_another_investor_is_a_chinese_error_and_changes_nothing(
        client, signed_in, session, make_project, project):
    make_project(name="别家项目", investor=InvestorIn(name="太原重工有限公司",
                                                    credit_code=code(2)))
    signed_in("zhang.wei")
    fields = edit_form(client, project)

    refused = post(client, f"/projects/{project.id}/investor/edit",
                   {**fields, "credit_code": code(2), "hq_city": "太原市"}, htmx=True)

    assert refused.status_code == 409
    assert "已有其他投资方使用该统一社会信用代码：太原重工有限公司" in refused.text
    investor = investor_of(session, project)
    assert investor.credit_code == code(1) and investor.hq_city is None
    session.refresh(project)
    assert project.version == 1


def test_an_invalid_credit_code_is_a_chinese_error_beside_the_field(client, signed_in,
                                                                    session, project):
    signed_in("zhang.wei")
    fields = edit_form(client, project)
    refused = post(client, f"/projects/{project.id}/investor/edit",
                   {**fields, "credit_code": "91140100MA0K9ABC11"})
    assert refused.status_code == 422
    assert "不是有效的统一社会信用代码" in refused.text
    assert 'aria-describedby="credit_code-error"' in refused.text
    assert investor_of(session, project).credit_code == code(1)


def test_a_stale_investor_form_is_refused_and_offers_the_new_version(client, signed_in,
                                                                     session, staff, project):
    signed_in("zhang.wei")
    fields = edit_form(client, project)
    update_investor(session, project.id, InvestorUpdate(hq_city="大同市"),
                    expected_version=1, actor=staff)
    session.commit()

    refused = post(client, f"/projects/{project.id}/investor/edit",
                   {**fields, "hq_city": "太原市"}, htmx=True)

    assert refused.status_code == 409 and "已被他人修改" in refused.text
    assert 'name="version" value="2"' in refused.text
    assert investor_of(session, project).hq_city == "大同市"


def test_a_leader_who_does_not_lead_it_may_not_edit(client, signed_in, project):
    signed_in("liu.yang", roles=["leader"])
    assert client.get(f"/projects/{project.id}/investor/edit").status_code == 403
    assert "编辑投资方" not in client.get(f"/projects/{project.id}").text


def test_a_confidential_projects_investor_is_changed_only_by_who_works_on_it(
        client, signed_in, session, make_project):
    secret = make_project(is_confidential=True, code_name="星火计划")
    signed_in("zhang.wei")
    assert client.get(f"/projects/{secret.id}/investor/edit").status_code == 403
    refused = post(client, f"/projects/{secret.id}/contacts/add", {"name": "王总"})
    assert refused.status_code == 403
    assert count(session, InvestorContact) == 0


# --- contacts --------------------------------------------------------------------------------

def test_contacts_are_added_from_the_investor_tab_and_a_known_one_is_refused(
        client, signed_in, session, project):
    signed_in("zhang.wei")
    tab = client.get(f"/projects/{project.id}/contacts", headers={"HX-Request": "true"})
    assert f'action="/projects/{project.id}/contacts/add"' in tab.text

    done = post(client, f"/projects/{project.id}/contacts/add",
                {"name": "王总", "phone": "0351-1234567"})
    assert done.status_code == 303
    again = post(client, f"/projects/{project.id}/contacts/add",
                 {"name": "陈经理", "phone": "138 1234 1234"}, htmx=True)
    assert again.status_code == 409 and "陈经理 已是该投资方的联系人" in again.text
    bad = post(client, f"/projects/{project.id}/contacts/add",
               {"name": "", "email": "不是邮箱"}, htmx=True)
    assert bad.status_code == 422 and "联系人姓名" in bad.text
    assert count(session, InvestorContact) == 2


def test_an_editor_who_does_not_work_on_it_never_sees_the_full_phone_and_keeps_it(
        client, signed_in, session, project):
    signed_in("zhang.wei")
    contact = session.scalar(sa.select(InvestorContact))
    page = client.get(f"/projects/{project.id}/contacts/{contact.id}/edit")
    assert page.status_code == 200
    assert "13812341234" not in page.text and "chen@example.com" not in page.text
    assert "138****1234" in page.text  # the placeholder, as masked
    fields = form_fields(page.text, f"contact-form-{contact.id}")
    assert fields["phone"] == "" and fields["orig.phone"] == ""

    done = post(client, f"/projects/{project.id}/contacts/{contact.id}/edit",
                {**fields, "title": "副总经理"})

    assert done.status_code == 303
    session.refresh(contact)
    assert contact.title == "副总经理"
    assert contact.phone == "13812341234" and contact.email == "chen@example.com"


def test_who_works_on_it_edits_the_full_values_and_may_clear_one(client, signed_in, session,
                                                                 project):
    user = signed_in("zhang.wei")
    session.add(TeamMember(project_id=project.id, user_id=user.user_id, role="member"))
    session.commit()
    contact = session.scalar(sa.select(InvestorContact))
    page = client.get(f"/projects/{project.id}/contacts/{contact.id}/edit")
    fields = form_fields(page.text, f"contact-form-{contact.id}")
    assert fields["phone"] == "13812341234"

    done = post(client, f"/projects/{project.id}/contacts/{contact.id}/edit",
                {**fields, "email": ""})

    assert done.status_code == 303
    session.refresh(contact)
    assert contact.email is None and contact.phone == "13812341234"


def test_a_contact_is_removed_and_the_history_says_so(client, signed_in, session, project):
    signed_in("zhang.wei")
    contact = session.scalar(sa.select(InvestorContact))
    done = post(client, f"/projects/{project.id}/contacts/{contact.id}/delete", {})
    assert done.status_code == 303
    assert count(session, InvestorContact) == 0
    row = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "contact.delete"))
    assert json.loads(row.changes)["contact_phone"] == ["138****1234", None]
    history = client.get(f"/projects/{project.id}?tab=history").text
    assert "删除投资方联系人" in history and "联系人电话" in history


def test_a_hidden_projects_investor_edit_reads_masked_in_its_history(session, staff,
                                                                     make_project):
    secret = make_project(is_confidential=True, code_name="星火计划",
                          investor=InvestorIn(name="保密投资有限公司"))
    update_investor(session, secret.id, InvestorUpdate(name="保密新名称有限公司",
                                                       hq_city="太原市"),
                    expected_version=1, actor=staff)
    outsider = make_actor(session, "sun.li", "孙丽", ["staff"])

    rows = history_for_project(session, outsider, secret.id, locale="zh_CN")

    edit = next(row for row in rows if row.action == "Changed investor")
    shown = json.dumps([list(change) for change in edit.changes], ensure_ascii=False)
    assert "保密" not in shown and "太原市" not in shown and "***" in shown
    own = next(row for row in history_for_project(session, staff, secret.id)
               if row.action == "Changed investor")
    assert any(change.after == "保密新名称有限公司" for change in own.changes)
