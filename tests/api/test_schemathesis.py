"""Schemathesis, in process, over every operation of /api/v1/openapi.json with valid auth:
no server error and no answer that breaks the schema (status, content type, headers, body);
then a stateful run along the OpenAPI links (create -> get -> transition -> history).

Examples are limited so the whole file runs in about a minute; the counts are printed
(`pytest -s`) and asserted to be non-trivial."""

from collections import Counter
from decimal import Decimal

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import bearer

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 8}
SETTINGS = dict(deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])


@pytest.fixture
def world(session, make_project, leader, client_token, local_receivers):
    """A leader, a project that has one, a webhook subscription, and an all-scope token."""
    token = client_token()
    led = make_project(leader_id=leader.user_id, total_investment=Decimal("8800.00"))
    session.commit()
    return {"token": token, "project_id": led.id, "leader_id": leader.user_id}


def _run(operation, mode, fixed, headers, counts):
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed or None)

    @hypothesis.settings(max_examples=EXAMPLES[mode], **SETTINGS)
    @hypothesis.given(case=strategy)
    def check(case):
        counts[(operation.label, mode.value)] += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


def test_every_operation_answers_within_its_schema(app, client, world):
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    headers = bearer(world["token"])
    subscription = client.post("/api/v1/webhooks", headers=headers, json={
        "url": "http://127.0.0.1:9/hook", "events": ["project.created"]}).json()
    counts: Counter = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        real = {k: v for k, v in (("project_id", world["project_id"]),
                                  ("subscription_id", subscription["id"])) if k in names}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, None, headers, counts)
            if real and mode is GenerationMode.POSITIVE:
                _run(operation, mode, real, headers, counts)
    total = sum(counts.values())
    print(f"\nschemathesis: {len(operations)} operations, {total} cases")
    for (label, mode), n in sorted(counts.items()):
        print(f"  {n:4d}  {mode:8s}  {label}")
    assert len(operations) >= 18
    assert {label for label, _mode in counts} == {op.label for op in operations}
    assert total >= 500


def test_stateful_run_follows_the_links(app, connection, world):
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    headers = bearer(world["token"])
    steps: Counter = Counter()

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self):
            # Every scenario starts from the same data and sends the same bodies, whatever
            # ran before it (in this test or, on this worker, before this test), so
            # Hypothesis sees the same answers when it replays a choice (else:
            # FlakyStrategyDefinition).
            self.savepoint = connection.begin_nested()
            self.created = iter(range(1, 100_000))

        def teardown(self):
            self.savepoint.rollback()

        def before_call(self, case):
            # Every call carries the token (a case without headers of its own went out
            # without it, and a 401 ends the walk's chain).
            case.headers = {**(case.headers or {}), **headers}
            # Lookup codes live in the database, so random ones are refused: the scenario
            # starts from a valid project (with a leader, so it can move to intent).
            if case.operation.label == "POST /api/v1/projects":
                investor = {"name": f"状态机投资方{next(self.created)}"}
                case.body = {"name": "状态机项目", "investor": investor,
                             "category": "industrial", "chain": "pv", "region": "jjj",
                             "method": "by_chain", "county": "yaodu",
                             "total_investment": "1200.00", "leader_id": world["leader_id"]}
            elif case.operation.label.endswith("/transitions") and isinstance(case.body, dict):
                case.body = {"to_stage": "intent", "note": "状态机推进"}  # a move its rules allow

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def after_call(self, response, case):
            super().after_call(response, case)
            steps[(case.operation.label, response.status_code)] += 1

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Workflow.run(settings=hypothesis.settings(max_examples=40, stateful_step_count=8,
                                              **SETTINGS))
    total = sum(steps.values())
    print(f"\nschemathesis stateful: {total} calls")
    for (label, status), n in sorted(steps.items()):
        print(f"  {n:4d}  {status}  {label}")
    succeeded = {label for (label, status) in steps if status < 300}
    reached = {label for (label, _status) in steps}
    # Which links a walk takes is chance: even with derandomize, moving code that changes
    # nothing the API does changes the walk. So: it created projects and used them along
    # several links; tests/api/test_projects_api.py walks the chain exactly.
    linked = {label for label in succeeded if "{project_id}" in label}
    assert "POST /api/v1/projects" in succeeded and len(linked) >= 2, linked
    assert "POST /api/v1/projects/{project_id}/transitions" in reached
