"""Every page route and every form of the app, walked with hostile values: no 5xx, and every
answer is one a server can put on the wire (h11, uvicorn's parser, accepts its headers).

The routes come from the app itself (as in tests/accounts/test_matrix.py), so a new route is
walked without touching this file. A route's fields are those it declares (Query and Form
parameters, sub-dependencies included) and those of every form the pages show for it
(scraped from the HTML, with their default values); GET routes also get the fields of every
search form, since pages read filters from the query string by hand. The JSON API has its
own fuzzing (tests/api/test_schemathesis.py): /api/v1 is left out here.

Signed in with every role and the CSRF token, on a small city, three passes per route:
  A. each hostile value in every field the page reads itself, at once (fields FastAPI
     types are left out: their refusal would hide the others);
  B. each field alone with a few hostile values in turn, the others at the form's defaults
     (a project's `version` kept current, so a write reaches its service);
  C. each path parameter with the hostile values that fit in a path.
HX-Request is sent on every other request. `pytest -s` prints the counts."""

import re
from collections import Counter
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import h11
import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.accounts import service as accounts_service
from app.accounts.models import UserSession
from app.clients.service import create_client
from app.main import iter_api_routes
from app.projects.models import Project
from app.projects.schemas import LeaderAssignIn, PauseIn, TransitionIn
from app.projects.service import advance_stage, assign_leader, pause_project, save_view
from app.projects.stages import Stage
from tests.conftest import csrf_of, login, make_actor

ARRAY = object()  # the field sent twice: a list where a scalar is expected
HOSTILE: list[Any] = [
    "\x00", "\ud800x\udfff", "\x01\x1b[31m", "\uffff",
    "\r\n", "a\r\nSet-Cookie: x=1", "/\r\nLocation: //evil.example",
    "A" * 10_000, "中" * 10_000,
    "9223372036854775808", "-9223372036854775809", "1e309", "NaN", "-1", "0",
    "²", "١٢٣", "２０２６", "abc", "",
    "0001-01-01", "9999-12-31", "0001-01-01T00:00", "9999-12-31T23:59", "2026-02-30",
    "//evil.example", "/\\evil.example", "../../etc/passwd", "<script>alert(1)</script>",
    ARRAY,
]
PER_FIELD = 3  # pass B: values per field, walked round-robin through HOSTILE
PATH_HOSTILE = ["0", "-1", "9223372036854775808", "abc", "²", "\x00", "\ud800", "\r\n",
                "A" * 10_000, "%", "..", " "]
# httpx sends no longer URL (and servers refuse far shorter ones): such values are
# tried in form bodies only.
MAX_URL = 65_536
PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")
SKIPPED_INPUT_TYPES = {"submit", "button", "reset", "image", "file"}
PROJECT_PAGES = ("edit", "advance", "back", "pause", "resume", "terminate", "leader")


class Forms(HTMLParser):
    """The forms of a page: method, where they send (action, hx-post, hx-get) and their
    fields with default values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            targets = {a.get("action", ""), a.get("hx-post", ""), a.get("hx-get", "")}
            self.forms.append({"method": a.get("method", "get").upper(),
                               "targets": {t for t in targets if t}, "fields": {}})
            return
        if not self.forms or ("name" not in a and tag != "option"):
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("type", "text") not in SKIPPED_INPUT_TYPES:
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                fields.setdefault(a["name"], "")
            else:
                fields[a["name"]] = a.get("value", "")
        elif tag in ("select", "textarea"):
            fields.setdefault(a["name"], "")
            self._select = a["name"] if tag == "select" else None
        elif tag == "option" and self._select and (
                "selected" in a or not fields.get(self._select)):
            fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def _declared(route: APIRoute) -> set[str]:
    """Query and form parameters the route and its dependencies declare."""
    names, stack = set(), [route.dependant]
    while stack:
        dependant = stack.pop()
        for param in (*dependant.query_params, *dependant.body_params):
            names.add(param.alias or param.name)
        stack.extend(dependant.dependencies)
    return names


def _encode(value: str) -> str:
    # Lone surrogates go as the bytes a careless client would send.
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _urlencoded(fields: dict[str, Any]) -> str:
    return "&".join(f"{_encode(name)}={_encode(item)}" for name, value in fields.items()
                    for item in (["1", "x"] if value is ARRAY else [value]))


def _unsendable(response) -> str | None:
    """Why a server could not send this answer (h11 checks what uvicorn does), or None."""
    try:
        h11.Response(status_code=response.status_code, headers=response.headers.raw)
    except h11.LocalProtocolError as exc:
        return str(exc)
    return None


class Walker:
    """Sends requests as one signed-in user and keeps what went wrong."""

    def __init__(self, client: TestClient, username: str) -> None:
        self.client = client
        self.username = username
        self.sent: Counter = Counter()
        self.too_long = 0
        self.failures: list[tuple[str, str, str]] = []
        self.sign_in()

    def sign_in(self) -> None:
        assert login(self.client, self.username).status_code == 303
        self.csrf = csrf_of(self.client)

    def send(self, method: str, path: str, fields: dict[str, Any], *, htmx: bool = False,
             what: str = "") -> Any:
        for attempt in (1, 2):
            headers = {"X-CSRF-Token": self.csrf, **({"HX-Request": "true"} if htmx else {})}
            url, content = path, None
            if method == "GET":
                query = _urlencoded(fields)
                url += f"?{query}" if query else ""
                if len(url) > MAX_URL:
                    self.too_long += 1
                    return None
            else:
                content = _urlencoded({**fields, "csrf_token": self.csrf}).encode("ascii")
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            try:
                response = self.client.request(method, url, content=content, headers=headers,
                                               follow_redirects=False)
            except Exception as exc:  # the app gave no answer at all
                self.failures.append((method, url[:200], f"no answer: {exc!r}"[:300]))
                return None
            self.sent[method] += 1
            went = response.headers.get("location", "") + response.headers.get("hx-redirect",
                                                                                "")
            if attempt == 1 and went.startswith("/login"):
                self.sign_in()  # an earlier request signed us out (log-out, session end)
                continue
            break
        problem = _unsendable(response)
        if response.status_code >= 500 or problem:
            self.failures.append((method, url[:200], problem or f"{response.status_code} "
                                                                 f"{what}"))
        return response


def _small_city(session, make_project, staff) -> tuple[dict[str, int], list[int]]:
    """Projects in three states (one with a leader), a bystander, a saved view and an API
    client; returns the ids for path parameters and the project ids."""
    admin = make_actor(session, "fuzz.admin", "模糊测试",
                       ["admin", "auditor", "leader", "staff", "supervisor"])
    leader = make_actor(session, "fuzz.leader", "李领导", ["leader"], title="副市长")
    bystander = make_actor(session, "fuzz.bystander", "旁观者", ["staff"])
    fresh, led, paused = make_project(), make_project(), make_project()
    assign_leader(session, led.id, LeaderAssignIn(leader_id=leader.user_id),
                  expected_version=None, actor=staff)
    advance_stage(session, led.id, TransitionIn(to_stage=Stage.intent),
                  expected_version=None, actor=staff)
    pause_project(session, paused.id, PauseIn(reason="资金未到位"), expected_version=None,
                  actor=staff)
    view = save_view(session, admin, "我的视图", "stage=contact")
    api_client = create_client(session, admin, name="发改委", scopes=["projects:read"])
    session.commit()
    return ({"project_id": led.id, "user_id": bystander.user_id, "view_id": view.id,
             "client_id": api_client.client.id}, [fresh.id, led.id, paused.id])


def test_every_page_route_and_form_answers_hostile_input_without_a_server_error(
        app, session, make_project, staff, monkeypatch):
    # Input handling is under test, not argon2: cheap hashes for the users made here.
    monkeypatch.setattr(accounts_service, "password_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    ids, project_ids = _small_city(session, make_project, staff)
    bystander = TestClient(app, base_url="http://testserver")
    assert login(bystander, "fuzz.bystander").status_code == 303
    ids["session_id"] = session.scalar(  # a session /sessions/{id}/end may end
        sa.select(UserSession.id).where(UserSession.user_id == ids["user_id"]))

    def current_version(path: str) -> str | None:
        match = re.match(r"/projects/(\d+)/", path)
        if not match:
            return None
        session.expire_all()
        project = session.get(Project, int(match.group(1)))
        return str(project.version) if project else None

    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        walker = Walker(client, "fuzz.admin")
        walked, forms = _walk(walker, app, ids, project_ids, current_version)

    total = sum(walker.sent.values())
    print(f"\npage fuzz: {len(walked)} route methods, {len(forms)} forms, {total} requests "
          f"({dict(walker.sent)}; {walker.too_long} URLs too long to send), "
          f"{len(walker.failures)} failures")
    assert walker.failures == []
    assert len(walked) >= 55 and total >= 2500
    assert sum(n for _method, _path, n in walked) >= 200  # the scraping found the fields


def _walk(walker: Walker, app, ids: dict[str, int], project_ids: list[int],
          current_version) -> tuple[list[tuple[str, str, int]], list[dict[str, Any]]]:
    routes = [r for r in iter_api_routes(app.routes) if not r.path.startswith("/api/v1/")]
    patterns = {r.path: re.compile("^" + PARAM.sub("[^/]+", r.path) + "$") for r in routes}

    def real(path: str) -> str:
        return PARAM.sub(lambda m: str(ids.get(m.group(1), 1)), path)

    # Crawl every GET route with real ids (and each project's forms), keeping the forms.
    forms: list[dict[str, Any]] = []
    pages = [real(r.path) for r in routes if "GET" in r.methods]
    pages += [f"/projects/{pid}/{page}" for pid in project_ids for page in PROJECT_PAGES]
    for page in pages:
        response = walker.send("GET", page, {}, what="crawl")
        if response is not None and "html" in response.headers.get("content-type", ""):
            parser = Forms()
            parser.feed(response.text)
            forms.extend(parser.forms)
    search_fields = {name for form in forms if form["method"] == "GET"
                     for name in form["fields"]}
    stray = {t for form in forms for t in form["targets"]
             if not any(p.match(urlsplit(t).path) for p in patterns.values())}
    assert not stray, f"forms send to routes the walk does not know: {stray}"

    def route_fields(route: APIRoute, method: str) -> tuple[dict[str, Any], set[str]]:
        """The fields with their defaults (None: sent only when under test), and which of
        them the route declares."""
        declared = _declared(route)
        fields: dict[str, Any] = dict.fromkeys(declared)
        for form in forms:
            if form["method"] == method and any(
                    patterns[route.path].match(urlsplit(t).path) for t in form["targets"]):
                for name, value in form["fields"].items():
                    if name != "csrf_token" and not fields.get(name):
                        fields[name] = value
        return fields, declared

    def defaults(fields: dict[str, Any], path: str) -> dict[str, Any]:
        typed = {k: v for k, v in fields.items() if v is not None}
        version = current_version(path)
        if "version" in typed and version:
            typed["version"] = version
        return typed

    walked: list[tuple[str, str, int]] = []
    for route in routes:
        path = real(route.path)
        for method in sorted(route.methods - {"HEAD"}):
            fields, declared = route_fields(route, method)
            walked.append((method, route.path, len(fields)))
            loose = sorted({*fields, *(search_fields if method == "GET" else ())} - declared)
            for n, value in enumerate(HOSTILE):  # A
                typed = {**defaults(fields, path), **dict.fromkeys(loose or fields or ["q"], value)}
                walker.send(method, path, typed, htmx=(n + len(walked)) % 2 == 1,
                            what=f"A {value!r:.20}")
            for i, name in enumerate(sorted(fields)):  # B
                for k in range(PER_FIELD):
                    value = HOSTILE[(i * PER_FIELD + k) % len(HOSTILE)]
                    walker.send(method, path, {**defaults(fields, path), name: value},
                                htmx=k % 2 == 1, what=f"B {name}={value!r:.20}")
            for name in PARAM.findall(route.path):  # C
                for value in PATH_HOSTILE:
                    bad = real(route.path.replace("{" + name + "}", _encode(value)))
                    walker.send(method, bad, defaults(fields, path),
                                what=f"C {name}={value!r:.20}")
    return walked, forms
