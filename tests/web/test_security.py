"""Answers carrying data are never cached (static files may be), and no answer names the
server software: checked through the app and through a real server started as Docker does."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.responses import PlainTextResponse

from app.config import PROJECT_ROOT
from app.web.security import SecurityHeadersMiddleware
from tests.conftest import SERVES_ON_A_PORT, TEST_PASSWORD, production_env


def test_a_project_page_is_not_cached(client, signed_in, make_project):
    signed_in("wang.fang.page", roles=["staff"])
    project = make_project()
    page = client.get(f"/projects/{project.id}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"


def test_an_xlsx_export_is_not_cached(client, signed_in):
    signed_in("export.staff", roles=["staff"])
    export = client.get("/cockpit/export.xlsx?year=2026")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert export.headers["cache-control"] == "no-store"


def test_an_api_answer_is_not_cached(client, signed_in, make_project):
    signed_in("api.staff", roles=["staff"])
    project = make_project()
    issued = client.post("/api/v1/auth/token",
                         data={"username": "api.staff", "password": TEST_PASSWORD})
    token = issued.json()["access_token"]
    answer = client.get(f"/api/v1/projects/{project.id}",
                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.json()["id"] == project.id
    assert answer.headers["cache-control"] == "no-store"


def test_static_files_may_be_cached(client):
    css = client.get("/static/css/app.css")
    assert css.status_code == 200
    assert "no-store" not in css.headers.get("cache-control", "")


def test_a_server_header_from_inside_the_app_is_dropped():
    async def answer(scope, receive, send):
        await PlainTextResponse("ok", headers={"Server": "gunicorn/23.0"})(scope, receive, send)

    from fastapi.testclient import TestClient

    response = TestClient(SecurityHeadersMiddleware(answer)).get("/anything")
    assert response.text == "ok"
    assert "server" not in response.headers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def docker_entrypoint(tmp_path: Path) -> Iterator[tuple[str, str, subprocess.Popen]]:
    """docker/entrypoint.sh with no arguments, as the image runs it, in production mode on
    a fresh SQLite file; yields (base URL, the secret it was given, the process)."""
    port = free_port()
    production = production_env()
    secret = production["SECRET_KEY"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           **production, "PORT": str(port),
           "WEB_CONCURRENCY": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
           "ATTACHMENTS_DIR": str(tmp_path / "attachments")}
    process = subprocess.Popen(["sh", str(PROJECT_ROOT / "docker" / "entrypoint.sh")],
                               env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail("the server did not start:\n" + (process.stdout.read() or ""))
                time.sleep(0.2)
        yield base, secret, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@SERVES_ON_A_PORT
def test_the_docker_entrypoint_names_no_server_software_and_reports_its_checks(
        docker_entrypoint):
    base, secret, process = docker_entrypoint
    answers = [httpx.get(f"{base}{path}", timeout=10) for path in
               ("/healthz", "/login", "/static/css/app.css", "/api/v1/projects",
                "/no-such-page")]
    assert [a.status_code for a in answers] == [200, 200, 200, 401, 404]
    for answer in answers:
        assert "server" not in answer.headers, (answer.url, answer.headers.get("server"))
    assert answers[1].headers["cache-control"] == "no-store"

    process.terminate()
    output = process.communicate(timeout=15)[0]
    assert "Settings checked:" in output
    for line in ("environment: production", "database: SQLite (", "SECRET_KEY: set, strong",
                 "DEBUG: off", "cookies: Secure on HTTPS requests", "production checks passed"):
        assert line in output, line
    assert secret not in output
