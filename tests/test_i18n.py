"""Every user-facing string has its Chinese text; messages render in the user's language."""

import importlib.util

from app.config import PROJECT_ROOT
from app.errors import ValidationFailed
from app.i18n import catalogue, translate
from app.projects.stages import EVIDENCE_LABELS, Stage


def extracted_msgids() -> set[str]:
    spec = importlib.util.spec_from_file_location("i18n_tool", PROJECT_ROOT / "tools" / "i18n.py")
    assert spec and spec.loader
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return {str(message.id) for message in tool.extract() if message.id}


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
