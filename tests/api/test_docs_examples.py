"""The examples in docs/api.md run: the httpx client against the app, the signature check
against what the delivery code signs."""

import re
import time
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from app.clock import local_date
from app.config import PROJECT_ROOT
from app.webhooks.service import sign
from tests.api.conftest import bearer

DOC = PROJECT_ROOT / "docs" / "api.md"


def example(name: str) -> dict[str, Any]:
    text = DOC.read_text(encoding="utf-8")
    code = re.search(rf"<!-- example: {name} -->\n```python\n(.*?)```", text, re.S).group(1)
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(code, f"docs/api.md:{name}", "exec"), namespace)
    return namespace


def test_the_client_example_syncs_and_moves_a_project_to_groundbreaking(
        app, token, make_project, leader, session):
    project = make_project(leader_id=leader.user_id)
    make_project()
    session.commit()
    code = example("client")
    with TestClient(app, headers=bearer(token)) as client:
        since = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
        changed = code["changed_since"](client, since)
        assert len(changed) == 2
        today = local_date().isoformat()
        moved = code["move_to_groundbreaking"](client, project.id, {
            "agreement_no": "XY-01", "agreed_amount": "9000.00", "contract_no": "HT-01",
            "contract_on": today, "contract_amount": "9000.00", "started_on": today})
        assert moved["stage"] == "groundbreaking"
        history = client.get(f"/api/v1/projects/{project.id}/history").json()["items"]
        assert [h["to_stage"] for h in history if h["kind"] == "stage"] == [
            "contact", "intent", "signed", "contract", "groundbreaking"]
        # The moved project comes last in the next sync: it changed last.
        assert code["changed_since"](client, since)[-1]["id"] == project.id


def test_the_signature_example_accepts_our_signature_and_nothing_else():
    verify_signature = example("verify")["verify_signature"]
    body = b'{"id":"e1","type":"project.created"}'
    now = str(int(time.time()))
    headers = {"Zhaoshang-Timestamp": now, "Zhaoshang-Signature": sign("whsec_k", now, body)}
    assert verify_signature("whsec_k", headers, body)
    assert not verify_signature("whsec_other", headers, body)
    assert not verify_signature("whsec_k", headers, body + b" ")
    old = str(int(time.time()) - 3600)
    assert not verify_signature("whsec_k", {"Zhaoshang-Timestamp": old,
                                            "Zhaoshang-Signature": sign("whsec_k", old, body)},
                                body)
