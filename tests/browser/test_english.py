"""The main pages in English, whose words run longer than the Chinese: text wraps, it is
never cut off, and nothing pushes the page sideways.

Also leaves screenshots of the cockpit, the list and a project page, in both languages, on
a phone and on a desktop, in test-artifacts/browser/ for a person to look at.
"""

import pytest
from playwright.sync_api import expect

from app.demo import DEMO_PASSWORD, DEMO_USERNAME
from tests.browser.conftest import ENGLISH_USERNAME, shot, sign_in

SCREENS = {"phone": {"width": 375, "height": 740}, "desktop": {"width": 1366, "height": 860}}

# Elements of the KPI cards whose text is wider than their box (0 when every one fits).
KPI_OVERFLOW = """() => Array.from(document.querySelectorAll(
        '.ck-kpi-label, .ck-kpi-value, .ck-kpi-sub'))
    .filter((el) => el.scrollWidth > el.clientWidth)
    .map((el) => el.textContent.trim() + ' ' + el.scrollWidth + '>' + el.clientWidth)"""

# The funnel table shows whole inside its card, or scrolls inside a box inside the card.
FUNNEL_SEEN = """() => {
    const table = document.querySelector('[data-testid=funnel-table]');
    const card = table.closest('.zs-card').getBoundingClientRect();
    const inside = (box) => box.left >= card.left - 1 && box.right <= card.right + 1;
    if (inside(table.getBoundingClientRect())) { return 'whole'; }
    const box = table.parentElement;
    const scrolls = ['auto', 'scroll'].includes(getComputedStyle(box).overflowX);
    return scrolls && inside(box.getBoundingClientRect()) ? 'scrolls' : 'cut off';
}"""


@pytest.fixture(params=sorted(SCREENS))
def reader(request, browser, demo_server):
    context = browser.new_context(base_url=demo_server.url, viewport=SCREENS[request.param])
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, ENGLISH_USERNAME, DEMO_PASSWORD)
    yield request.param, page
    context.close()


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_the_cockpit_in_english_fits_its_cards(reader):
    screen, page = reader
    page.goto("/cockpit")
    expect(page.locator("h1")).to_have_text("Leader cockpit")
    expect(page.locator("[data-testid=kpi-signed-amount]")).to_contain_text("100 million yuan")
    assert page.evaluate(KPI_OVERFLOW) == []
    assert page.evaluate(FUNNEL_SEEN) in ("whole", "scrolls")
    if screen == "desktop":  # room enough to show the whole funnel table
        assert page.evaluate(FUNNEL_SEEN) == "whole"
    assert overflow(page) <= 0


def test_the_list_and_a_project_in_english_fit(reader, demo_server):
    _screen, page = reader
    page.goto("/projects")
    expect(page.locator("h1")).to_have_text("Projects")
    assert overflow(page) <= 0
    page.goto(f"/projects/{demo_server.project_id}")
    expect(page.locator(".zs-stats")).to_contain_text("Total investment")
    stats = page.evaluate("""() => Array.from(document.querySelectorAll('.zs-stat-value'))
        .filter((el) => el.scrollWidth > el.clientWidth).map((el) => el.textContent)""")
    assert stats == []
    assert overflow(page) <= 0


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_screenshots_of_the_main_pages(browser, demo_server, language, screen):
    context = browser.new_context(base_url=demo_server.url, viewport=SCREENS[screen])
    page = context.new_page()
    sign_in(page, ENGLISH_USERNAME if language == "en" else DEMO_USERNAME, DEMO_PASSWORD)
    for name, path in (("cockpit", "/cockpit"), ("list", "/projects"),
                       ("project", f"/projects/{demo_server.project_id}")):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        expect(page.locator("html")).to_have_attribute("lang", "en" if language == "en"
                                                       else "zh-CN")
        shot(page, f"screen-{name}-{language}-{screen}")
        assert overflow(page) <= 0
    context.close()
