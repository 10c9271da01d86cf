"""新建项目: the form in cards, the live duplicate warning, linking another project of the same
investor, Chinese field messages and the county rule; refusals create nothing."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.clock import local_datetime
from app.projects.models import Project
from app.projects.schemas import InvestorIn
from tests.conftest import count, csrf_of

VALID_CODE = "91140100MA0K9ABC10"


def typed(csrf: str, **changes: Any) -> dict[str, str]:
    data = {
        "csrf_token": csrf,
        "name": "年产5万吨负极材料项目",
        "investor.name": "山西宏达碳素科技有限公司",
        "investor.ownership": "private",
        "investor.contacts.0.name": "陈明",
        "investor.contacts.0.phone": "13800001234",
        "category": "industrial",
        "chain": "carbon",
        "chain_link": "carbon.graphene",
        "region": "jjj",
        "method": "by_chain",
        "county": "yaodu",
        "total_investment": "35000.50",
        "land_mu": "120",
    }
    data.update(changes)
    return data


def post(client, data: dict[str, str], **kwargs: Any):
    return client.post("/projects/new", data=data, follow_redirects=False, **kwargs)


def summary_items(html: str) -> list[str]:
    summary = re.search(r'data-testid="error-summary">(.*?)</div>\s*</div>', html, re.S)
    return re.findall(r"<li>([^<]*)</li>", summary.group(1)) if summary else []


def beside_fields(html: str) -> list[str]:
    return re.findall(r'<div class="invalid-feedback" id="[^"]*">([^<]*)</div>', html)


def test_the_form_shows_every_card_and_field(client, signed_in):
    signed_in("zhang.wei")
    page = client.get("/projects/new")
    assert page.status_code == 200
    for text in ("基本信息", "投资方", "投资与要素", "其他", "项目名称", "统一社会信用代码",
                 "总投资（万元）", "固定资产投资（万元）", "用地（亩）", "计划开工日期",
                 "涉密项目", "代号", "推进方案", "包联领导", "联系人姓名", "产业链环节"):
        assert text in page.text, text
    for ownership in ("国有", "民营", "外资", "合资", "集体"):
        assert f">{ownership}</option>" in page.text
    # Without JavaScript every chain link is offered, grouped by its chain.
    assert '<optgroup label="光伏">' in page.text and "多晶硅与硅片" in page.text
    assert 'inputmode="decimal"' in page.text and "data-active-search" in page.text
    assert 'hx-trigger="search-ready delay:400ms, change"' in page.text


def test_chain_links_and_zones_narrow_to_the_chosen_parent(client, signed_in):
    signed_in("zhang.wei")
    links = client.get("/projects/new/chain-links?chain=pv", headers={"HX-Request": "true"})
    assert links.text.lstrip().startswith('<div id="chain-link-field"')
    assert "电池片与组件" in links.text and "针状焦与碳纤维" not in links.text
    zones = client.get("/projects/new/zones?county=houma", headers={"HX-Request": "true"})
    assert "侯马经济开发区" in zones.text and "临汾经济开发区" not in zones.text


def test_a_duplicate_investor_name_shows_the_existing_project(client, signed_in,
                                                              make_project):
    signed_in("zhang.wei")
    existing = make_project(name="年产10万吨针状焦项目", county="houma",
                            investor=InvestorIn(name="山西宏达碳素科技有限公司"))
    # Spaces and the 有限公司 suffix do not make it a different investor.
    fragment = client.get("/projects/new/duplicates",
                          params={"investor.name": "山西 宏达碳素科技", "investor.credit_code": ""},
                          headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="duplicates"')
    assert existing.code in fragment.text and "年产10万吨针状焦项目" in fragment.text
    assert "侯马市" in fragment.text
    reported = local_datetime(existing.first_reported_at).strftime("%Y-%m-%d %H:%M")
    assert reported in fragment.text and "首报时间" in fragment.text
    assert "这是该投资方的另一个项目（二期、增资扩产）" in fragment.text
    assert f'name="same_investor_as" id="same-investor-{existing.id}" value="{existing.id}"' in (
        fragment.text)


def test_another_investor_shows_no_duplicates(client, signed_in, make_project):
    signed_in("zhang.wei")
    make_project(investor=InvestorIn(name="山西宏达碳素科技有限公司"))
    fragment = client.get("/projects/new/duplicates",
                          params={"investor.name": "宁远新能源有限公司"},
                          headers={"HX-Request": "true"})
    assert "疑似重复" not in fragment.text and "same_investor_as" not in fragment.text


def test_an_invalid_credit_code_shows_the_chinese_message(client, signed_in):
    signed_in("zhang.wei")
    fragment = client.get("/projects/new/duplicates",
                          params={"investor.name": "宁远", "investor.credit_code": "91140100ABC"},
                          headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "不是有效的统一社会信用代码" in fragment.text


def test_the_same_credit_code_finds_the_investor_under_another_name(client, signed_in,
                                                                    make_project):
    signed_in("zhang.wei")
    existing = make_project(investor=InvestorIn(name="山西宏达碳素科技有限公司",
                                                credit_code=VALID_CODE))
    fragment = client.get("/projects/new/duplicates",
                          params={"investor.name": "宏达碳素", "investor.credit_code": VALID_CODE},
                          headers={"HX-Request": "true"})
    assert existing.code in fragment.text


def test_a_duplicate_without_a_link_is_refused_and_keeps_what_was_typed(
        client, signed_in, make_project, session):
    signed_in("zhang.wei")
    existing = make_project(investor=InvestorIn(name="山西宏达碳素科技有限公司"))
    before = count(session, Project)
    response = post(client, typed(csrf_of(client, "/projects/new"),
                                  description="二期扩建负极材料"))
    assert response.status_code == 409
    assert count(session, Project) == before
    assert "该投资方已有在谈项目" in response.text
    assert existing.code in response.text and "这是该投资方的另一个项目" in response.text
    for value in ('value="年产5万吨负极材料项目"', 'value="35000.50"', 'value="120"',
                  'value="陈明"', 'value="13800001234"', "二期扩建负极材料",
                  '<option value="carbon.graphene" selected>',
                  '<option value="private" selected>'):
        assert value in response.text, value


def test_linking_another_project_of_the_same_investor_creates_it(client, signed_in,
                                                                 make_project, session):
    signed_in("zhang.wei")
    existing = make_project(investor=InvestorIn(name="山西宏达碳素科技有限公司"))
    response = post(client, typed(
        csrf_of(client, "/projects/new"), same_investor_as=str(existing.id),
        **{"investor.name": "山西宏达碳素科技 有限公司"}))
    assert response.status_code == 303
    created = session.scalar(select(Project).where(Project.name == "年产5万吨负极材料项目"))
    assert response.headers["location"] == f"/projects/{created.id}"
    assert created.related_project_id == existing.id
    assert created.investor_id == existing.investor_id
    assert str(created.total_investment) == "35000.50"


def test_a_new_investor_is_created_without_a_warning(client, signed_in, session):
    signed_in("zhang.wei")
    response = post(client, typed(csrf_of(client, "/projects/new")),
                    headers={"HX-Request": "true"})
    assert response.status_code == 204
    created = session.scalar(select(Project).where(Project.name == "年产5万吨负极材料项目"))
    assert response.headers["hx-redirect"] == f"/projects/{created.id}"
    assert created.related_project_id is None and created.county_code == "yaodu"


def test_the_form_takes_the_date_of_first_contact_but_not_a_future_one(client, signed_in,
                                                                       session):
    signed_in("zhang.wei")
    csrf = csrf_of(client, "/projects/new")
    tomorrow = (local_datetime(datetime.now(UTC)).date() + timedelta(days=1)).isoformat()
    refused = post(client, typed(csrf, first_contact_on=tomorrow))
    assert refused.status_code == 422
    assert 'id="f-first_contact_on"' in refused.text and "is-invalid" in refused.text
    assert count(session, Project) == 0
    visited = (local_datetime(datetime.now(UTC)).date() - timedelta(days=3))
    assert post(client, typed(csrf, first_contact_on=visited.isoformat())).status_code == 303
    created = session.scalar(select(Project).where(Project.name == "年产5万吨负极材料项目"))
    assert created.reached_contact_on == visited


def test_bad_amounts_give_chinese_field_messages_and_create_nothing(client, signed_in,
                                                                    session):
    signed_in("zhang.wei")
    csrf = csrf_of(client, "/projects/new")
    before = count(session, Project)
    not_a_number = post(client, typed(csrf, total_investment="abc"))
    assert not_a_number.status_code == 422
    assert "总投资请以万元填写" in not_a_number.text
    assert 'value="abc"' in not_a_number.text
    negative = post(client, typed(csrf, total_investment="-5", land_mu="-1"))
    assert negative.status_code == 422
    assert "总投资不能小于 0" in negative.text and "用地（亩）不能小于 0" in negative.text
    missing = post(client, typed(csrf, name="", category=""))
    assert missing.status_code == 422
    assert "请填写项目名称" in missing.text and "请填写项目类别" in missing.text
    exponent = post(client, typed(csrf, total_investment="1e9", expected_jobs="1.0"))
    assert exponent.status_code == 422
    assert "总投资请以万元填写" in exponent.text and "预计就业人数须为整数" in exponent.text
    assert count(session, Project) == before


def test_an_empty_form_names_every_marked_field_in_its_summary(client, signed_in, session):
    signed_in("zhang.wei")
    response = post(client, {"csrf_token": csrf_of(client, "/projects/new")})
    assert response.status_code == 422
    marked = beside_fields(response.text)
    assert len(marked) == response.text.count("is-invalid") >= 8
    assert "请填写投资方名称。" in marked  # the investor card's name, not "the investor"
    assert sorted(summary_items(response.text)) == sorted(marked)
    assert count(session, Project) == 0


def test_an_htmx_refusal_returns_only_the_form(client, signed_in):
    signed_in("zhang.wei")
    response = client.post("/projects/new",
                           data=typed(csrf_of(client, "/projects/new"), total_investment="abc"),
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form id="project-form"')
    assert "总投资请以万元填写" in response.text and "<html" not in response.text


def test_a_bad_credit_code_is_refused_beside_the_field(client, signed_in, session):
    signed_in("zhang.wei")
    before = count(session, Project)
    response = post(client, typed(
        csrf_of(client, "/projects/new"), **{"investor.credit_code": "91140100MA0K9ABC11"}))
    assert response.status_code == 422
    # Beside the field and in the summary; the duplicates panel does not repeat it.
    assert len(re.findall("不是有效的统一社会信用代码", response.text)) == 2
    assert sorted(summary_items(response.text)) == sorted(beside_fields(response.text))
    assert count(session, Project) == before


def test_county_staff_create_only_in_their_own_county(client, signed_in, session):
    signed_in("zhao.lei", roles=["staff"], county_code="houma")
    page = client.get("/projects/new")
    county_select = re.search(r'<select[^>]*name="county".*?</select>', page.text, re.S).group(0)
    assert '<option value="houma" selected>' in county_select
    assert "yaodu" not in county_select and "请选择" not in county_select
    assert "侯马经济开发区" in page.text and "临汾经济开发区" not in page.text

    csrf = csrf_of(client, "/projects/new")
    before = count(session, Project)
    refused = post(client, typed(csrf, county="yaodu"))
    assert refused.status_code == 422
    assert "只能在本县（市、区）新建项目" in refused.text
    assert count(session, Project) == before

    created = post(client, typed(csrf, county="houma", zone="houma.dz"))
    assert created.status_code == 303
    assert count(session, Project) == before + 1


def test_those_without_create_permission_are_refused(client, signed_in):
    signed_in("li.yunfeng", roles=["leader"])
    assert client.get("/projects/new").status_code == 403
    assert client.get("/projects/new/duplicates?investor.name=x").status_code == 403
