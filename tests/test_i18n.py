"""Every user-facing string has its Chinese text; messages render in the user's language."""

import importlib.util
import re
from datetime import timedelta

from app.activities.schemas import ActivityCreate
from app.activities.service import add_activity
from app.clock import local_date
from app.config import PROJECT_ROOT
from app.db import utcnow
from app.errors import ValidationFailed
from app.i18n import catalogue, ngettext, translate, translate_plural
from app.projects.stages import EVIDENCE_LABELS, Stage
from tests.conftest import csrf_of


def extracted_msgids() -> set[str]:
    spec = importlib.util.spec_from_file_location("i18n_tool", PROJECT_ROOT / "tools" / "i18n.py")
    assert spec and spec.loader
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return {message.id[0] if isinstance(message.id, tuple) else message.id
            for message in tool.extract() if message.id}


def test_the_chinese_catalogue_translates_every_message():
    msgids = extracted_msgids()
    assert len(msgids) > 50
    missing = sorted(msgids - set(catalogue("zh_CN")))
    assert missing == [], "run python tools/i18n.py and translate these"


def test_a_refusal_reads_in_chinese_by_default_and_in_english_on_request():
    error = ValidationFailed("Moving to {stage} needs {label}.", field="agreement_no",
                             stage=Stage.signed.label, label=EVIDENCE_LABELS["agreement_no"])
    assert error.detail() == "进入签约阶段须填写协议编号。"
    assert error.detail("en") == "Moving to Signed needs the agreement number."


def test_an_unknown_placeholder_does_not_break_the_message():
    assert translate("Project {code} does not exist {oops}.", "en", code="ZS-1") == (
        "Project ZS-1 does not exist {oops}.")


def test_a_count_takes_the_english_singular_or_plural_and_chinese_has_one_form():
    overdue = ngettext("{n} day overdue", "{n} days overdue")
    assert [translate(overdue, "en", n=n) for n in (0, 1, 2)] == [
        "0 days overdue", "1 day overdue", "2 days overdue"]
    assert translate(overdue, n=1) == translate(overdue, "zh_CN", n=2).replace("2", "1")
    assert translate(overdue, n=1) == "逾期 1 天"
    # A count shown with thousands separators still chooses its form by the number.
    projects = ngettext("{n} project", "{n} projects")
    assert translate_plural(projects, 1234, "en", n="1,234") == "1,234 projects"
    assert translate_plural(projects, 1, "en") == "1 project"


def test_the_pages_say_1_day_and_2_days_in_english(client, signed_in, session,
                                                   make_project, staff):
    signed_in("zhang.wei")
    client.post("/account/language", data={"language": "en", "csrf_token": csrf_of(client)})
    for days, name in ((1, "一天前到期的项目"), (2, "两天前到期的项目")):
        project = make_project(name=name)
        add_activity(session, project.id, ActivityCreate(
            kind="call", happened_at=utcnow() - timedelta(days=5), summary="电话沟通",
            next_step="再次沟通", next_due_on=local_date() - timedelta(days=days)), actor=staff)
    session.commit()

    page = client.get("/").text
    assert "1 day overdue" in page and "2 days overdue" in page
    assert "1 days" not in page
    board = client.get("/projects/kanban").text
    counts = re.findall(r'class="zs-kanban-count">([^<]*)<', board)
    assert counts[:2] == ["2 projects", "0 projects"], counts
    assert "5 days without follow-up" in board
