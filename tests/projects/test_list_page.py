"""The project list page: filters in the URL, quick tabs, HTMX swaps only the results."""

import re
from decimal import Decimal

from app.projects.schemas import InvestorIn, ProjectFilters


def test_list_shows_projects_count_and_total(client, signed_in, make_project):
    signed_in("zhang.wei")
    make_project(name="宁远电池项目", total_investment=Decimal("12500.00"),
                 investor=InvestorIn(name="宁远新能源有限公司"))
    make_project(name="光伏组件项目", total_investment=Decimal("500.50"), chain="pv",
                 chain_link=None)
    page = client.get("/projects")
    assert page.status_code == 200
    assert "宁远电池项目" in page.text and "光伏组件项目" in page.text
    assert "12,500.00" in page.text
    assert "共 2 个项目" in page.text and "1.30 亿元" in page.text


def test_pinyin_initials_find_the_project(client, signed_in, make_project):
    signed_in("zhang.wei")
    make_project(name="宁远电池项目", investor=InvestorIn(name="宁远新能源有限公司"))
    make_project(name="光伏组件项目")
    page = client.get("/projects?q=nydc")
    assert "宁远电池项目" in page.text and "光伏组件项目" not in page.text


def test_an_htmx_request_gets_only_the_results(client, signed_in, make_project):
    signed_in("zhang.wei")
    make_project(name="宁远电池项目")
    fragment = client.get("/projects?stage=contact", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="results"')
    assert "宁远电池项目" in fragment.text and "<html" not in fragment.text
    assert fragment.headers["vary"] == "HX-Request"


def test_a_bad_filter_is_named_and_the_rest_still_applies(client, signed_in, make_project):
    signed_in("zhang.wei")
    make_project(name="宁远电池项目")
    page = client.get("/projects?min_investment=abc&stage=contact")
    assert page.status_code == 200
    assert "最低投资额请以万元填写" in page.text
    assert "宁远电池项目" in page.text


def test_the_list_costs_the_same_statements_for_10_and_1000_projects(client, signed_in, session,
                                                                      statements):
    from tests.conftest import bulk_projects

    signed_in("zhang.wei")
    bulk_projects(session, 10)
    session.commit()
    with statements() as small:
        assert "批量项目" in client.get("/projects?per_page=50").text
    bulk_projects(session, 990)
    session.commit()
    with statements() as large:
        page = client.get("/projects?per_page=50")
    assert "共 1,000 个项目" in page.text
    assert len(large) == len(small)


def _tabs(html: str) -> dict[str, int]:
    return {label: int(n) for label, n in re.findall(
        r'>([^<>]+?) <span class="badge text-bg-light">(\d+)</span>', html)}


def _summary(html: str) -> str:
    return re.search(r'data-testid="summary">([^<]*)<', html).group(1)


def test_the_totals_and_the_tabs_count_what_the_filters_list(client, signed_in, session,
                                                             make_project, leader):
    signed_in("zhang.wei")
    amounts = {"contact": ["100.00", "250.50"], "intent": ["300.00"],
               "signed": ["1000.00"], "contract": ["40.25"], "groundbreaking": ["7.00"],
               "achieved": ["2.00"]}
    for stage, values in amounts.items():
        for value in values:
            make_project(total_investment=Decimal(value), leader_id=leader.user_id).stage = stage
    make_project(chain="pv", chain_link=None, total_investment=Decimal("999.00"))
    session.commit()

    signed = client.get("/projects?chain=carbon&stage=signed&stage=contract").text
    assert _summary(signed) == "共 2 个项目 · 总投资 1,040.25 万元"
    assert _tabs(signed) == {"全部": 7, "在谈": 3, "签约": 2, "已开工": 1, "已投产": 1}
    # A stage named twice is still one stage.
    twice = client.get("/projects?chain=carbon&stage=signed&stage=signed").text
    assert _summary(twice) == "共 1 个项目 · 总投资 1,000.00 万元"
    everything = client.get("/projects").text
    assert _summary(everything) == "共 8 个项目 · 总投资 2,698.75 万元"
    assert _tabs(everything) == {"全部": 8, "在谈": 4, "签约": 2, "已开工": 1, "已投产": 1}


def test_the_list_reads_the_projects_in_two_statements(client, signed_in, make_project,
                                                       statements):
    """The page's rows, then one grouped statement for the count, the sum and the tabs."""
    signed_in("zhang.wei")
    make_project(name="宁远电池项目")
    with statements() as counted:
        page = client.get("/projects?stage=contact&chain=carbon")
    assert "宁远电池项目" in page.text
    assert len([s for s in counted if re.search(r"\bFROM project\b", s)]) == 2


def test_every_field_of_the_query_card_is_a_filter_the_list_reads(client, signed_in):
    signed_in("zhang.wei")
    for path, form in (("/projects", "project-query"), ("/projects/kanban", "kanban-query")):
        html = client.get(path).text
        card = html[html.index(f'id="{form}"'):]
        card = card[:card.index("</form>")]
        names = set(re.findall(r'name="([^"]+)"', card)) - {"per_page", "sort"}
        assert names and names <= set(ProjectFilters.model_fields), (path, names)


CREDIT_CODE = "91140100MA0K9ABC10"


def test_a_credit_code_finds_the_investors_project_on_the_list_and_in_the_api(
        client, signed_in, client_token, make_project):
    signed_in("zhang.wei")
    found = make_project(name="宁远电池项目",
                         investor={"name": "宁远新能源有限公司", "credit_code": CREDIT_CODE})
    make_project(name="光伏组件项目")
    for keyword in (CREDIT_CODE, "ma0k9abc", " 9114 0100 ", "ＭＡ０Ｋ９"):
        page = client.get("/projects", params={"q": keyword}).text
        assert "宁远电池项目" in page and "光伏组件项目" not in page, keyword
    listed = client.get("/api/v1/projects", params={"q": CREDIT_CODE},
                        headers={"Authorization": f"Bearer {client_token()}"}).json()
    assert [p["id"] for p in listed["items"]] == [found.id]


def test_a_confidential_project_is_not_found_by_its_investors_credit_code(
        client, signed_in, client_token, make_project):
    # Reported by 王芳; 张伟 does not work on it, so its investor is hidden from him.
    make_project(name="九州光伏电站项目", is_confidential=True, code_name="七号工程",
                 investor={"name": "九州新能源集团有限公司", "credit_code": "91141000MA0LQ7XK2Q"})
    signed_in("zhang.wei")
    assert "七号工程" in client.get("/projects", params={"q": "七号工程"}).text
    page = client.get("/projects", params={"q": "91141000MA0LQ7XK2Q"}).text
    assert "七号工程" not in page and "共 0 个项目" in page
    listed = client.get("/api/v1/projects", params={"q": "MA0LQ7XK"},
                        headers={"Authorization": f"Bearer {client_token()}"}).json()
    assert listed["items"] == []
