"""Amounts as people write them (12,000 / １２０００ / 1.2亿), one parser on every amount field
of both doors; anything else is refused with a message that says how to write it."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.analytics.models import Target
from app.inputs import parse_amount
from app.projects.models import FundsEntry, Project
from app.projects.schemas import TransitionIn
from app.projects.service import advance_stage
from tests.api.conftest import bearer
from tests.api.test_projects_api import new_project
from tests.conftest import count, csrf_of
from tests.projects.test_new_page import post, typed

HOW_TO_WRITE = "请以万元填写，如 12000 或 1.2亿"


@pytest.mark.parametrize(("text", "amount"), [
    ("12,000", "12000"), ("35,000.5", "35000.5"), ("12，000", "12000"),
    ("１２０００", "12000"), ("１２，０００．５", "12000.5"), (" 12000  ", "12000"),
    ("1.2亿", "12000"), ("3.5 亿元", "35000"), ("3.5\u3000亿元", "35000"), ("0.00015亿", "1.5"),
    ("12000万元", "12000"), ("8800 万", "8800"), ("1,234,567.89", "1234567.89"),
])
def test_amounts_are_read_as_people_write_them(text, amount):
    assert parse_amount(text) == Decimal(amount)
    assert "E" not in str(parse_amount(text))  # written out, as the API answers with it


@pytest.mark.parametrize("text", [
    "0.1+0.2", "1e9", "NaN", "Infinity", "1_000", "1,2", "12,0000", "1.2.3", "12元", "亿", "",
    "1.2万亿", "十万",
])
def test_anything_else_is_not_an_amount(text):
    with pytest.raises(ValueError):
        parse_amount(text)


def test_quantities_take_separators_but_no_money_unit():
    assert parse_amount("1,200.5", units=False) == Decimal("1200.5")
    with pytest.raises(ValueError):
        parse_amount("1.2亿", units=False)


def test_the_new_project_form_takes_amounts_as_people_write_them(client, signed_in, session):
    signed_in("zhang.wei")
    response = post(client, typed(csrf_of(client, "/projects/new"), total_investment="1.2亿",
                                  fixed_asset_investment="８,０００.５ 万元", land_mu="1,200"))
    assert response.status_code == 303, response.text
    project = session.scalars(sa.select(Project)).one()
    assert project.total_investment == Decimal("12000.00")
    assert project.fixed_asset_investment == Decimal("8000.50")
    assert project.land_mu == Decimal("1200.00")


def test_an_unreadable_amount_says_how_to_write_it(client, signed_in, session):
    signed_in("zhang.wei")
    csrf = csrf_of(client, "/projects/new")
    for text in ("0.1+0.2", "12元", "1e9"):
        response = post(client, typed(csrf, total_investment=text))
        assert response.status_code == 422
        assert f"总投资{HOW_TO_WRITE}" in response.text, text
    # What 0.1 + 0.2 comes to in a spreadsheet has too many decimals; it is not too large.
    response = post(client, typed(csrf, total_investment="0.30000000000000004"))
    assert "总投资最多保留 2 位小数" in response.text and "数值过大" not in response.text
    # 亩 are not money: no 万元 to write them in.
    response = post(client, typed(csrf, land_mu="1.2亿"))
    assert "用地（亩）须为数字" in response.text and HOW_TO_WRITE not in response.text
    assert count(session, Project) == 0


def test_the_project_pages_take_the_agreed_amount_and_an_edit_as_people_write_them(
        client, signed_in, session, make_project, staff, leader):
    signed_in("zhang.wei")
    project = make_project(name="宁远电池项目", leader_id=leader.user_id)
    advance_stage(session, project.id, TransitionIn(to_stage="intent"), expected_version=None,
                  actor=staff)
    session.commit()
    token = csrf_of(client, "/account")
    moved = client.post(f"/projects/{project.id}/advance", follow_redirects=False, data={
        "csrf_token": token, "to_stage": "signed", "version": project.version,
        "agreement_no": "LFXY-2026-001", "agreed_amount": "1.25 亿元"})
    assert moved.status_code == 303, moved.text
    session.refresh(project)
    assert project.agreed_amount == Decimal("12500.00")
    edited = client.post(f"/projects/{project.id}/edit", follow_redirects=False, data={
        "csrf_token": token, "version": project.version, "orig.total_investment": "125000.50",
        "total_investment": "130,000"})
    assert edited.status_code == 303, edited.text
    session.refresh(project)
    assert project.total_investment == Decimal("130000.00")


def test_funds_and_targets_take_amounts_as_people_write_them(client, signed_in, session,
                                                             make_project):
    # Staff record funds; a supervisor (督查) sets targets: the demo user is both.
    signed_in("du.juan", roles=["staff", "supervisor"])
    project = make_project(name="资金测试项目")
    session.commit()
    token = csrf_of(client, "/account")
    funds = client.post(f"/projects/{project.id}/funds", headers={"HX-Request": "true"},
                        data={"csrf_token": token, "amount": "0.35亿", "on_date": "2026-05-01"})
    assert funds.status_code == 200, funds.text
    assert session.scalars(sa.select(FundsEntry.amount)).one() == Decimal("3500.00")
    refused = client.post(f"/projects/{project.id}/funds", headers={"HX-Request": "true"},
                          data={"csrf_token": token, "amount": "三千五", "on_date": "2026-05-01"})
    assert refused.status_code == 422 and f"金额{HOW_TO_WRITE}" in refused.text

    saved = client.post("/cockpit/targets", follow_redirects=False, data={
        "csrf_token": token, "year": "2027", "quarter": "0",
        "t.city.signed_amount": "1.2亿", "t.city.signed_projects": "1,200"})
    assert saved.status_code == 303
    targets = dict(session.execute(sa.select(Target.metric, Target.value)).all())
    assert targets == {"signed_amount": Decimal("12000.00"),
                       "signed_projects": Decimal("1200.00")}
    # A count is not in 万元: "2万" projects is refused, not read as 2.
    count_with_unit = client.post("/cockpit/targets", headers={"HX-Request": "true"}, data={
        "csrf_token": token, "year": "2027", "quarter": "0", "t.city.signed_projects": "2万"})
    assert count_with_unit.status_code == 422
    unreadable = client.post("/cockpit/targets", headers={"HX-Request": "true"}, data={
        "csrf_token": token, "year": "2027", "quarter": "0", "t.city.signed_amount": "0.1+0.2"})
    assert unreadable.status_code == 422 and f"目标{HOW_TO_WRITE}" in unreadable.text


def test_the_api_takes_the_same_written_forms_in_strings(client, client_token, session):
    token = client_token()
    made = client.post("/api/v1/projects", headers=bearer(token), json=new_project(
        total_investment="1.2亿", fixed_asset_investment="8,000.50", land_mu="１２０"))
    assert made.status_code == 201, made.text
    assert made.json()["total_investment"] == "12000.00"
    stored = session.get(Project, made.json()["id"])
    assert (stored.fixed_asset_investment, stored.land_mu) == (Decimal("8000.50"),
                                                               Decimal("120.00"))
    listed = client.get("/api/v1/projects", params={"min_investment": "1.1亿"},
                        headers=bearer(token))
    assert [p["id"] for p in listed.json()["items"]] == [made.json()["id"]]
    assert client.get("/api/v1/projects", params={"min_investment": "1.3亿"},
                      headers=bearer(token)).json()["items"] == []


def test_the_api_names_the_field_of_an_unreadable_or_too_precise_amount(client, client_token,
                                                                        session):
    token = client_token()
    for value in ("0.1+0.2", 0.1 + 0.2):
        response = client.post("/api/v1/projects", headers=bearer(token),
                               json=new_project(total_investment=value))
        assert response.status_code == 422
        [error] = response.json()["errors"]
        assert error["field"] == "total_investment"
        assert "digits in total" not in error["message"], value
    assert count(session, Project) == 0
