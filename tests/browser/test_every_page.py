"""Every page of the app on the demo data set, opened by someone allowed to see it: none
scrolls sideways on a phone, none breaks the Content-Security-Policy (also after an htmx
swap and a refused form), none asks for a file that is not there.

The pages come from the app's router, so a new page is checked without being listed here.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from app.config import PROJECT_ROOT
from app.demo import DEMO_PASSWORD, DEMO_USERNAME
from app.main import create_app, iter_api_routes
from tests.browser.conftest import ENGLISH_USERNAME, DemoSite, shot, sign_in

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1366, "height": 860}

# Who tries each page, in this order; the first let in (200) is the one who opens it.
VISITORS = (None, DEMO_USERNAME, "admin", "luo.qing")

# GET routes that are not pages a person opens: fragments htmx swaps into a page (checked
# there), a download and the health probe.
NOT_PAGES = {"/projects/new/duplicates", "/projects/new/chain-links", "/projects/new/zones",
             "/projects/{project_id}/contacts", "/cockpit/export.xlsx", "/healthz",
             "/favicon.ico"}


def page_routes() -> list[str]:
    app = create_app(session_factory=lambda write: None)  # type: ignore[arg-type, return-value]
    return sorted({route.path for route in iter_api_routes(app.routes)
                   if "GET" in route.methods and not route.path.startswith("/api/v1/")
                   and route.path not in NOT_PAGES})


ROUTES = page_routes()


def address(route: str, site: DemoSite) -> str:
    project = site.paused_project_id if route.endswith("/resume") else site.project_id
    return route.format(project_id=project, user_id=site.user_id, contact_id=site.contact_id)


@pytest.fixture(scope="module")
def states(browser, demo_server: DemoSite) -> dict[str | None, dict]:
    """Each visitor's signed-in browser state (cookies), signed in once."""
    found: dict[str | None, dict] = {}
    for username in (*VISITORS, ENGLISH_USERNAME):
        context = browser.new_context(base_url=demo_server.url)
        if username is not None:
            page = context.new_page()
            sign_in(page, username, DEMO_PASSWORD)
            expect(page).not_to_have_url(re.compile(r"/login"))
        found[username] = context.storage_state()
        context.close()
    return found


@pytest.fixture(scope="module")
def openers(browser, demo_server: DemoSite, states) -> dict[str, str | None]:
    """Route → the first visitor the page lets in."""
    found: dict[str, str | None] = {}
    contexts = {user: browser.new_context(base_url=demo_server.url, storage_state=states[user])
                for user in VISITORS}
    for route in ROUTES:
        for user in VISITORS:
            answer = contexts[user].request.get(address(route, demo_server), max_redirects=0)
            if answer.status == 200:
                found[route] = user
                break
    for context in contexts.values():
        context.close()
    return found


def open_as(browser, site: DemoSite, states, user: str | None, viewport: dict):
    context = browser.new_context(base_url=site.url, locale="zh-CN", viewport=viewport,
                                  storage_state=states[user])
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def watch(page) -> list[str]:
    """What the browser complains about while the page is used: Content-Security-Policy
    refusals, script errors, files not found."""
    problems: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            where = message.location
            problems.append(f"{where['url']}:{where['lineNumber']}: {message.text[:60]}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("response", lambda answer: answer.status == 404
            and problems.append(f"404 {answer.url}"))
    return problems


@contextmanager
def policed(browser, site: DemoSite, states, user: str | None) -> Iterator:
    """A desktop page for `user`; on leaving, asserts the browser had nothing to complain of."""
    context, page = open_as(browser, site, states, user, DESKTOP)
    problems = watch(page)
    yield page
    settle(page)
    context.close()
    assert not problems, "\n".join(problems)


def settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(100)  # let a console message raised by the last paint arrive


def slug(route: str) -> str:
    return route.strip("/").replace("/", "-").replace("{", "").replace("}", "") or "home"


# What the CSP (style-src/script-src 'self') refuses in markup: style attributes, inline
# scripts, event-handler attributes, javascript: links; in Python, such markup in a string.
JS_URL = r"""(href|src|action)=["']?\s*javascript:"""
INLINE = re.compile(rf"""\sstyle=|<script(?![^>]*\ssrc=)|\son[a-z]+=["']|{JS_URL}""", re.I)
INLINE_IN_CODE = re.compile(rf"""<[a-z][^>]*\s(style|on[a-z]+)=|<script>|{JS_URL}""", re.I)


def test_no_template_or_page_code_writes_what_the_policy_refuses():
    found = [f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()[:80]}"
             for folder, pattern in (("templates", INLINE), ("app", INLINE_IN_CODE))
             for path in (PROJECT_ROOT / folder).rglob("*.htm*" if folder == "templates"
                                                       else "*.py")
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line)]
    assert found == []


def test_pages_are_found_in_the_router():
    for route in ("/", "/projects", "/projects/{project_id}", "/cockpit", "/audit"):
        assert route in ROUTES


@pytest.mark.parametrize("route", ROUTES)
def test_no_page_scrolls_sideways_on_a_phone(browser, demo_server, states, openers, route):
    assert route in openers, f"nobody of {VISITORS} may open {route}"
    context, page = open_as(browser, demo_server, states, openers[route], PHONE)
    page.goto(address(route, demo_server))
    settle(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    wide = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1
                        && !el.closest('.table-responsive, .zs-sidebar'))
        .slice(0, 5).map((el) => el.tagName + '.' + el.className)""")
    shot(page, f"phone-{slug(route)}")
    context.close()
    assert overflow <= 0, f"{route} is {overflow} px wider than the phone: {wide}"


@pytest.mark.parametrize("route", ROUTES)
def test_no_page_breaks_the_content_security_policy(browser, demo_server, states, openers,
                                                    route):
    assert route in openers, f"nobody of {VISITORS} may open {route}"
    with policed(browser, demo_server, states, openers[route]) as page:
        page.goto(address(route, demo_server))


def test_list_swaps_keep_the_policy(browser, demo_server, states):
    with policed(browser, demo_server, states, DEMO_USERNAME) as page:
        page.goto("/projects")
        page.locator("#results .nav-link").nth(1).click()  # a quick tab: an htmx swap
        expect(page.locator("#results .nav-link").nth(1)).to_have_class("nav-link active")
        page.locator("#results .page-link", has_text="2").first.click()
        expect(page.locator("#results .page-item.active")).to_have_text("2")
        page.locator("#results th a").first.click()  # sort by name, descending first
        expect(page.locator("#results th[aria-sort=descending]")).to_have_count(1)
        settle(page)
        shot(page, "list-swapped")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_page_size_select_shows_its_whole_text(browser, demo_server, states, viewport):
    context, page = open_as(browser, demo_server, states, DEMO_USERNAME, viewport)
    page.goto("/projects")
    size = page.locator("#results select[name=per_page]")
    text_width = size.evaluate("""(el) => {
        const probe = document.createElement('span');
        probe.textContent = el.options[el.selectedIndex].text;
        probe.className = 'position-absolute';
        el.parentElement.appendChild(probe);
        probe.style.font = getComputedStyle(el).font;
        const width = probe.getBoundingClientRect().width;
        probe.remove();
        const style = getComputedStyle(el);
        return width + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    }""")
    assert size.evaluate("(el) => el.clientWidth") >= text_width
    context.close()


def test_refused_forms_keep_the_policy(browser, demo_server, states):
    with policed(browser, demo_server, states, DEMO_USERNAME) as page:
        page.goto("/projects/new")
        page.locator("#project-form button[type=submit]").first.click()
        expect(page.locator("#project-form .is-invalid").first).to_be_visible()
        settle(page)
        shot(page, "new-project-refused")
        page.goto(f"/projects/{demo_server.project_id}/advance?to_stage=production")
        form = page.locator(f"#advance-form-{demo_server.project_id}")
        form.locator("button[type=submit]").first.click()
        expect(form.locator(".is-invalid").first).to_be_visible()
        settle(page)
        page.goto("/account/password")
        page.fill("#current_password", "not-the-password")
        page.fill("#password", "Another-pass-2026")
        page.fill("#password_again", "Another-pass-2026")
        page.click("form[action='/account/password'] button[type=submit]")
        expect(page.locator("#current_password")).to_have_class(re.compile("is-invalid"))


def test_cockpit_filter_and_chart_tooltip_keep_the_policy(browser, demo_server, states):
    with policed(browser, demo_server, states, DEMO_USERNAME) as page:
        page.goto("/cockpit")
        page.select_option("#f-county", "houma")
        expect(page.locator("[data-testid=county-table] tbody tr")).to_have_count(1)
        chart = page.locator("#figures [data-chart]").first
        expect(chart).to_have_attribute("data-chart-ready", "1")
        box = chart.bounding_box()
        for step in range(1, 10):  # sweep across the chart so a tooltip shows
            page.mouse.move(box["x"] + box["width"] * step / 10, box["y"] + box["height"] / 2)
            page.wait_for_timeout(50)


def test_the_browser_finds_an_icon(browser, demo_server, states):
    context, page = open_as(browser, demo_server, states, None, DESKTOP)
    answer = page.request.get("/favicon.ico")
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("image/")
    page.goto("/login")
    icons = page.locator("link[rel=icon]")
    expect(icons).not_to_have_count(0)
    for href in icons.evaluate_all("(links) => links.map((link) => link.href)"):
        assert page.request.get(href).status == 200, href
    context.close()
