"""The cockpit pages: what a leader sees, drill-downs, HTMX swaps, export, targets, rules,
funds in place, and who may do what."""

import re
from decimal import Decimal
from io import BytesIO

import sqlalchemy as sa
from openpyxl import load_workbook

from app.analytics.models import Target, WarningRule
from app.audit.models import AuditEvent
from app.projects.models import FundsEntry
from tests.conftest import bulk_projects, count, csrf_of


def figure(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">(.*?)</div>', html, re.S)
    assert match, testid
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def first_funnel_row(html: str) -> list[str]:
    """The funnel table's first row (接洽) as the cells read: stage, now at stage, ..."""
    table = html.split('data-testid="funnel-table"', 1)[1].split("</table>", 1)[0]
    row = table.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def list_total(client, href: str) -> int:
    page = client.get(href.replace("&amp;", "&"))
    assert page.status_code == 200, href
    match = re.search(r'data-testid="summary">[^0-9]*([\d,]+)', page.text)
    assert match, href
    return int(match.group(1).replace(",", ""))


def test_the_cockpit_shows_the_year_at_a_glance(client, signed_in, city):
    signed_in("city.leader", roles=["leader"])
    page = client.get("/cockpit?year=2026")
    assert page.status_code == 200
    html = page.text
    assert "领导驾驶舱" in html
    assert figure(html, "kpi-signed") == "5"
    assert figure(html, "kpi-signed-amount") == "2.92 亿元"
    assert figure(html, "kpi-started") == "3"
    assert figure(html, "kpi-funds") == "22.26%"
    assert "目标 10 · 已完成 50.00%" in html
    for text in ("签约率", "履约率", "开工率", "投产率", "达效率", "资金到位率", "55.56%",
                 "侯马市", "碳基新材料", "李云峰", "16,000.00", "20,600.00", "驾驶舱测试P5"):
        assert text in html, text
    # Charts carry their data as JSON attributes, never inline script.
    assert html.count('data-chart=') == 4
    assert "<script>" not in html and "echarts-6.1.0/echarts.min.js" in html


def test_a_quarter_card_compares_with_the_quarter_target(client, signed_in, city):
    """City Q2 target 4 signed; Q2 signed P3, P6, P8: 3 of 4, not 3 of the year's 10."""
    signed_in("city.leader", roles=["leader"])
    html = client.get("/cockpit?year=2026&quarter=2").text
    assert figure(html, "kpi-signed") == "3"
    assert figure(html, "kpi-signed-target") == "目标 4 · 已完成 75.00%"
    # Cohort mode counts the projects first reported in Q2 (P8 signed), against the target
    # of every project, and says so.
    html = client.get("/cockpit?year=2026&quarter=2&mode=cohort").text
    assert figure(html, "kpi-signed") == "1"
    assert figure(html, "kpi-signed-target") == "目标 4 · 全部项目 3，已完成 75.00%"
    # The year view keeps the year's target.
    html = client.get("/cockpit?year=2026").text
    assert figure(html, "kpi-signed-target") == "目标 10 · 已完成 50.00%"


def test_the_signed_amount_links_to_a_list_totalling_the_same_money(client, signed_in, city):
    """签约额 sums agreed amounts (29,200 万元); its list totals them too, beside the
    total investment of those projects (37,100.50 万元)."""
    signed_in("city.leader", roles=["leader"])
    html = client.get("/cockpit?year=2026").text
    href = re.search(r'data-testid="kpi-signed-amount"><a href="([^"]+)"', html).group(1)
    listed = client.get(href.replace("&amp;", "&")).text
    shown = re.search(r'data-testid="money-total-agreed">(.*?)</span>', listed).group(1)
    assert shown == "协议金额 " + figure(html, "kpi-signed-amount") == "协议金额 2.92 亿元"
    assert "总投资 3.71 亿元" in listed
    # Any of the list's money may be totalled; an unknown name totals the investment only.
    contract = client.get("/projects?stage=contract&stage=groundbreaking&stage=production"
                          "&sum=contract").text
    assert re.search(r'data-testid="money-total-contract">合同金额 2.25 亿元<', contract)
    assert 'data-testid="money-total' not in client.get("/projects?sum=nonsense").text


def test_the_funds_rate_links_to_a_list_with_both_sums_row_by_row(client, signed_in, city):
    """资金到位率 22.26% = 6,500.50 in place ÷ 29,200 agreed: its list shows both totals
    and a column of each, so every yuan can be found."""
    signed_in("city.leader", roles=["leader"])
    html = client.get("/cockpit?year=2026").text
    href = re.search(r'data-testid="kpi-funds"><a href="([^"]+)"', html).group(1)
    listed = client.get(href.replace("&amp;", "&")).text
    assert re.search(r'data-testid="money-total-agreed">协议金额 2.92 亿元<', listed)
    assert re.search(r'data-testid="money-total-funds">到位资金 6,500.50 万元<', listed)
    assert "到位资金（万元）" in listed and "协议金额（万元）" in listed
    funds_cells = re.findall(r'data-testid="row-funds">([^<]*)<', listed)
    assert sorted(funds_cells) == ["0.00", "0.00", "0.00", "2,000.00", "4,500.50"]


def test_changing_a_filter_swaps_only_the_figures(client, signed_in, city):
    signed_in("city.leader", roles=["leader"])
    fragment = client.get("/cockpit?year=2026&county=houma", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="figures"')
    assert "<html" not in fragment.text
    assert figure(fragment.text, "kpi-signed") == "2"
    assert "尧都区" not in fragment.text
    assert fragment.headers["vary"] == "HX-Request"


def test_numbers_link_to_lists_of_exactly_that_many_projects(client, signed_in, city):
    signed_in("city.staff", roles=["staff"])
    html = client.get("/cockpit?year=2026&by=leader").text
    links = re.findall(r'<a href="(/projects\?[^"]+)">([\d,]+)</a>', html)
    assert len(links) > 40
    for href, shown in links:
        assert list_total(client, href) == int(shown.replace(",", "")), href
    # Red and yellow lights link to the warnings list, which counts the same.
    red = re.search(r'<a href="(/cockpit/warnings\?[^"]*)" data-testid="red-count">(\d+)</a>',
                    html)
    assert red is not None
    warnings_page = client.get(red.group(1).replace("&amp;", "&"))
    assert f"共 {red.group(2)} 条" in warnings_page.text


def test_a_county_user_sees_only_their_county(client, signed_in, city):
    signed_in("houma.staff", roles=["staff"], county_code="houma")
    html = client.get("/cockpit?year=2026&county=yaodu").text
    assert 'name="county"' not in html
    assert "侯马市" in html and "尧都区" not in html and "曲沃县" not in html
    assert figure(html, "kpi-signed") == "2"
    assert "驾驶舱测试P1" not in html and "驾驶舱测试P8" in html
    links = re.findall(r'<a href="(/projects\?[^"]+)">([\d,]+)</a>', html)
    assert len(links) > 10  # the figures are links: an empty page would prove nothing
    for href, shown in links:
        assert list_total(client, href) == int(shown.replace(",", "")), href


def test_the_page_costs_the_same_statements_for_10_and_200_projects(client, signed_in,
                                                                      session, statements):
    signed_in("city.staff", roles=["staff"])
    bulk_projects(session, 10)
    session.commit()
    with statements() as small:
        assert client.get("/cockpit").status_code == 200
    bulk_projects(session, 190, county="houma")
    session.commit()
    with statements() as large:
        page = client.get("/cockpit")
    assert first_funnel_row(page.text)[:2] == ["接洽", "200"]
    assert len(large) == len(small)


def test_export_has_the_figures_and_is_audited(client, signed_in, city, session):
    signed_in("city.staff", roles=["staff"])
    before = count(session, AuditEvent, AuditEvent.action == "export")
    response = client.get("/cockpit/export.xlsx?year=2026&county=houma")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "cockpit-2026.xlsx" in response.headers["content-disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames[:3] == ["概览", "漏斗", "阶段用时"]
    overview = {row[0]: row[1] for row in book["概览"].iter_rows(values_only=True) if row}
    assert overview["新签约项目"] == 2
    assert overview["签约额（万元）"] == Decimal("16000.00") or \
        overview["签约额（万元）"] == 16000
    funnel = list(book["漏斗"].iter_rows(values_only=True))
    assert funnel[0][:4] == ("阶段", "当前在此阶段", "在此阶段终止", "累计到达")
    assert [row[3] for row in funnel[1:]] == [3, 3, 2, 2, 2, 0, 0]
    assert count(session, AuditEvent, AuditEvent.action == "export") == before + 1
    detail = session.scalar(sa.select(AuditEvent.detail).where(AuditEvent.action == "export")
                            .order_by(AuditEvent.id.desc()))
    assert "county=houma" in detail


def test_who_may_open_what(client, signed_in, city, session):
    signed_in("auditor.one", roles=["auditor"])
    assert client.get("/cockpit").status_code == 403
    assert client.get("/cockpit/export.xlsx").status_code == 403
    client.cookies.clear()
    signed_in("plain.staff", roles=["staff"])
    assert client.get("/cockpit/targets").status_code == 403
    token = csrf_of(client, "/account")
    before = count(session, Target)
    refused = client.post("/cockpit/targets", data={"csrf_token": token, "year": "2026",
                                                    "quarter": "0",
                                                    "t.city.signed_projects": "99"})
    assert refused.status_code == 403
    assert count(session, Target) == before


def test_a_supervisor_sets_targets(client, signed_in, session):
    signed_in("the.supervisor", roles=["supervisor"])
    form = client.get("/cockpit/targets?year=2027")
    assert form.status_code == 200 and "目标与预警设置" in form.text
    token = csrf_of(client, "/cockpit/targets?year=2027")
    saved = client.post("/cockpit/targets", data={
        "csrf_token": token, "year": "2027", "quarter": "0",
        "t.city.signed_projects": "120", "t.city.signed_amount": "1,000,000.50",
        "t.yaodu.groundbreakings": "30", "t.houma.funds_in_place": ""},
        follow_redirects=False)
    assert saved.status_code == 303
    rows = {(t.county_code, t.metric): t.value for t in session.scalars(
        sa.select(Target).where(Target.year == 2027))}
    assert rows == {(None, "signed_projects"): Decimal("120.00"),
                    (None, "signed_amount"): Decimal("1000000.50"),
                    ("yaodu", "groundbreakings"): Decimal("30.00")}
    page = client.get("/cockpit/targets?year=2027").text
    assert 'value="120"' in page and 'value="1000000.50"' in page
    # Clearing a cell removes that target; a bad cell refuses the whole grid.
    bad = client.post("/cockpit/targets", data={
        "csrf_token": token, "year": "2027", "quarter": "0",
        "t.city.signed_projects": "", "t.yaodu.groundbreakings": "3.5"},
        headers={"HX-Request": "true"})
    assert bad.status_code == 422
    assert "目标须为整数" in bad.text
    assert count(session, Target, Target.year == 2027) == 3
    client.post("/cockpit/targets", data={"csrf_token": token, "year": "2027", "quarter": "0",
                                          "t.city.signed_projects": ""})
    assert count(session, Target, Target.year == 2027) == 2


def test_a_supervisor_changes_warning_rules(client, signed_in, session):
    signed_in("the.supervisor", roles=["supervisor"])
    token = csrf_of(client, "/cockpit/targets")
    saved = client.post("/cockpit/rules", data={
        "csrf_token": token, "rules.idle.yellow": "7", "rules.idle.red": "21"},
        follow_redirects=False)
    assert saved.status_code == 303
    assert (session.get(WarningRule, "idle").yellow, session.get(WarningRule, "idle").red) == \
        (7, 21)
    refused = client.post("/cockpit/rules", data={
        "csrf_token": token, "rules.idle.yellow": "30", "rules.idle.red": "10"},
        headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert "红灯须晚于黄灯" in refused.text
    session.expire_all()
    assert session.get(WarningRule, "idle").red == 21


def test_the_administrator_manages_accounts_not_targets(client, signed_in, city, session):
    """三权分立: the administrator neither sees nor reaches the targets and warning rules;
    the supervisor does; everyone who reads the figures sees the progress."""
    signed_in("the.admin", roles=["admin"])
    page = client.get("/cockpit?year=2026").text
    assert 'href="/cockpit/targets' not in page
    assert "目标 10 · 已完成 50.00%" in page  # progress is still shown
    assert client.get("/cockpit/targets").status_code == 403
    token = csrf_of(client, "/account")
    targets_before, rules_before = count(session, Target), session.get(WarningRule, "idle").red
    assert client.post("/cockpit/targets", data={
        "csrf_token": token, "year": "2026", "quarter": "0",
        "t.city.contracts": "9"}).status_code == 403
    assert client.post("/cockpit/rules", data={
        "csrf_token": token, "rules.idle.yellow": "1", "rules.idle.red": "2"}).status_code == 403
    session.expire_all()
    assert count(session, Target) == targets_before
    assert session.get(WarningRule, "idle").red == rules_before
    client.cookies.clear()
    signed_in("city.supervisor", roles=["supervisor"])
    page = client.get("/cockpit?year=2026").text
    assert 'href="/cockpit/targets?year=2026"' in page


def test_targets_on_every_counted_figure_link_to_their_projects(client, signed_in, city,
                                                                session):
    """A supervisor sets a target on each new metric; the cockpit's targets table shows each
    against the figure, linked to a list of exactly that many projects."""
    signed_in("city.supervisor", roles=["supervisor"])
    token = csrf_of(client, "/cockpit/targets?year=2026")
    saved = client.post("/cockpit/targets", data={
        "csrf_token": token, "year": "2026", "quarter": "0",
        "t.city.new_projects": "20", "t.city.contracts": "6", "t.city.start_rate": "90",
        "t.city.production": "2", "t.city.achieved": "1", "t.houma.start_rate": "80.5"},
        follow_redirects=False)
    assert saved.status_code == 303, saved.text
    form = client.get("/cockpit/targets?year=2026").text
    assert 'value="90"' in form and 'value="80.5"' in form
    table = client.get("/cockpit?year=2026").text.split('data-testid="targets-table"', 1)[1]
    table = table.split("</table>", 1)[0]
    rows = {re.sub(r"<[^>]+>", "", row.split("</td>", 1)[0]).strip(): row
            for row in table.split("<tr>")[2:]}
    expected = {"新引进项目": ("20", "8"), "新签合同项目": ("6", "3"),
                "投产项目": ("2", "1"), "开复工率": ("90.00%", "60.00%")}
    for label, (target, actual) in expected.items():
        cells = [re.sub(r"<[^>]+>", "", c).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", rows[label], re.S)]
        assert cells[2:4] == [target, actual], (label, cells)
        href = re.search(r'<a href="([^"]+)"', rows[label]).group(1)
        listed = 3 if label == "开复工率" else int(actual)  # the rate links its started
        assert list_total(client, href) == listed, label
    assert "未达目标" in rows["开复工率"]  # a rate is met or not, whatever the date
    achieved = [re.sub(r"<[^>]+>", "", c).strip()
                for c in re.findall(r"<td[^>]*>(.*?)</td>", rows["达产达效项目"], re.S)]
    assert achieved[2:4] == ["1", "0"]
    # A rate above 100% is refused, naming its cell; nothing is saved.
    refused = client.post("/cockpit/targets", data={
        "csrf_token": token, "year": "2026", "quarter": "0", "t.city.start_rate": "120"},
        headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert 'is-invalid" name="t.city.start_rate"' in refused.text
    assert "比率目标为百分数，不超过 100" in refused.text
    assert session.scalar(sa.select(Target.value).where(
        Target.metric == "start_rate", Target.county_code.is_(None))) == Decimal("90.00")


def test_a_quarter_target_on_a_new_metric(client, signed_in, city):
    """Q2 contracts: P8 05-01 and P3 05-10, against the quarter's target, not the year's."""
    signed_in("q.supervisor", roles=["supervisor"])
    token = csrf_of(client, "/cockpit/targets?year=2026&quarter=2")
    for quarter, value in (("0", "12"), ("2", "4")):
        assert client.post("/cockpit/targets", data={
            "csrf_token": token, "year": "2026", "quarter": quarter,
            "t.city.contracts": value}, follow_redirects=False).status_code == 303
    table = client.get("/cockpit?year=2026&quarter=2").text
    table = table.split('data-testid="targets-table"', 1)[1].split("</table>", 1)[0]
    rows = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                     row, re.S)]
            for row in table.split("<tr>")[2:]]
    contracts = [row[1:5] for row in rows if row[0] == "新签合同项目"]
    assert contracts == [["全年", "12", "3", "25.00%"], ["二季度", "4", "2", "50.00%"]]


def test_funds_in_place_are_recorded_on_a_project(client, signed_in, session, make_project):
    signed_in("funds.staff", roles=["staff"])
    project = make_project(name="资金测试项目")
    session.commit()
    token = csrf_of(client, "/account")
    fragment = client.post(f"/projects/{project.id}/funds",
                           data={"csrf_token": token, "amount": "1234.50",
                                 "on_date": "2026-05-01", "note": "首笔到位"},
                           headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "1,234.50" in fragment.text and "首笔到位" in fragment.text
    bad = client.post(f"/projects/{project.id}/funds",
                      data={"csrf_token": token, "amount": "-5", "on_date": "2026-05-01"},
                      headers={"HX-Request": "true"})
    assert bad.status_code == 422 and "金额须大于 0" in bad.text
    future = client.post(f"/projects/{project.id}/funds",
                         data={"csrf_token": token, "amount": "5", "on_date": "2099-01-01"},
                         headers={"HX-Request": "true"})
    assert future.status_code == 422
    assert count(session, FundsEntry, FundsEntry.project_id == project.id) == 1
    assert count(session, AuditEvent, AuditEvent.action == "project.funds") == 1


def test_a_county_user_cannot_record_funds_elsewhere(client, signed_in, session, make_project):
    project = make_project(name="尧都资金项目", county="yaodu")
    signed_in("houma.funds", roles=["staff"], county_code="houma")
    token = csrf_of(client, "/account")
    response = client.post(f"/projects/{project.id}/funds",
                           data={"csrf_token": token, "amount": "10", "on_date": "2026-05-01"})
    assert response.status_code == 404
    assert count(session, FundsEntry) == 0
