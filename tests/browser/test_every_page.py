"""Every page of the app on the demo data set, opened by someone allowed to see it: none
scrolls sideways on a phone.

The pages come from the app's router, so a new page is checked without being listed here.
"""

import re

import pytest
from playwright.sync_api import expect

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
    return route.format(project_id=project, user_id=site.user_id)


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


def settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(100)  # let a console message raised by the last paint arrive


def slug(route: str) -> str:
    return route.strip("/").replace("/", "-").replace("{", "").replace("}", "") or "home"


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
