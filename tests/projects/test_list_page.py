"""The project list page: filters in the URL, quick tabs, HTMX swaps only the results."""

from decimal import Decimal

from app.projects.schemas import InvestorIn


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
    assert "最低投资额须为数字" in page.text
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
