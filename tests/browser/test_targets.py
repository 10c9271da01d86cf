"""Targets in a real browser on the demo: the supervisor opens the grid from the cockpit,
sets a count and a rate, and the cockpit measures them; the administrator has no way in."""

import re

from playwright.sync_api import expect

from app.demo import DEMO_PASSWORD, DEMO_USERNAME
from tests.browser.conftest import ARTIFACTS, shot, sign_in


def test_the_supervisor_sets_targets_the_cockpit_measures(browser, demo_server):
    context = browser.new_context(base_url=demo_server.url, locale="zh-CN",
                                  viewport={"width": 1366, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, DEMO_USERNAME, DEMO_PASSWORD)
    page.goto("/cockpit")
    page.get_by_role("link", name="目标与预警设置").click()
    expect(page.locator("h1")).to_have_text("目标与预警设置")
    page.get_by_label("市级 开复工率").fill("90")
    page.get_by_label("市级 新签合同项目").fill("30")
    page.get_by_role("button", name="保存目标").click()
    expect(page.get_by_role("status")).to_have_text("已保存")
    expect(page.get_by_label("市级 开复工率")).to_have_value("90")
    shot(page, "targets-01-grid")
    page.goto("/cockpit")
    table = page.locator("[data-testid=targets-table]")
    rate = table.locator("tr", has_text="开复工率").first
    expect(rate.locator("td").nth(2)).to_have_text("90.00%")
    expect(rate.locator("td").nth(3)).to_have_text(re.compile(r"^(--|\d+\.\d\d%)$"))
    contracts = table.locator("tr", has_text="新签合同项目").first
    expect(contracts.locator("td").nth(2)).to_have_text("30")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("section.zs-card", has=table).screenshot(
        path=str(ARTIFACTS / "targets-02-cockpit.png"))
    context.close()


def test_the_administrator_sees_no_targets(browser, demo_server):
    context = browser.new_context(base_url=demo_server.url, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, "admin", DEMO_PASSWORD)
    page.goto("/cockpit")
    expect(page.locator("h1")).to_have_text("领导驾驶舱")
    expect(page.get_by_role("link", name="目标与预警设置")).to_have_count(0)
    assert page.goto("/cockpit/targets").status == 403
    context.close()
