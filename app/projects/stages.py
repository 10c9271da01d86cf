"""The pipeline (项目全生命周期): seven stages in order, and what each move must prove."""

from enum import StrEnum

from app.i18n import _


class Stage(StrEnum):
    contact = "contact"
    intent = "intent"
    signed = "signed"
    contract = "contract"
    groundbreaking = "groundbreaking"
    production = "production"
    achieved = "achieved"

    @property
    def rank(self) -> int:
        return STAGE_ORDER.index(self) + 1

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)

STAGE_LABELS: dict[Stage, str] = {
    Stage.contact: _("Contact"),
    Stage.intent: _("Intent"),
    Stage.signed: _("Signed"),
    Stage.contract: _("Contract"),
    Stage.groundbreaking: _("Groundbreaking"),
    Stage.production: _("Production"),
    Stage.achieved: _("Achieved"),
}

# Evidence fields that a move into the stage must carry.
REQUIRED_EVIDENCE: dict[Stage, tuple[str, ...]] = {
    Stage.contact: (),
    Stage.intent: (),
    Stage.signed: ("agreement_no", "agreed_amount"),
    Stage.contract: ("contract_no", "contract_on", "contract_amount"),
    Stage.groundbreaking: ("started_on",),
    Stage.production: ("production_on",),
    Stage.achieved: ("achieved_on",),
}

# Labels of the evidence fields, for messages that name them.
EVIDENCE_LABELS: dict[str, str] = {
    "agreement_no": _("the agreement number"),
    "agreed_amount": _("the agreed amount"),
    "contract_no": _("the contract number"),
    "contract_on": _("the contract date"),
    "contract_amount": _("the contract amount"),
    "started_on": _("the actual start date"),
    "production_on": _("the production date"),
    "achieved_on": _("the date it reached designed output"),
}

def stages_passed(current: Stage, target: Stage) -> tuple[Stage, ...]:
    """The stages entered on the way from `current` forward to `target`, in order."""
    return STAGE_ORDER[current.rank:target.rank]


def evidence_needed(current: Stage, target: Stage) -> list[tuple[Stage, str]]:
    """(stage, evidence field) pairs a move forward must carry, in stage order."""
    return [(stage, field) for stage in stages_passed(current, target)
            for field in REQUIRED_EVIDENCE[stage]]


# Every stage from intent on needs the one responsible leader (一个项目、一名领导).
LEADER_REQUIRED_FROM = Stage.intent


class Status(StrEnum):
    active = "active"
    paused = "paused"
    terminated = "terminated"


STATUS_LABELS: dict[str, str] = {
    "active": _("active"),
    "paused": _("paused"),
    "terminated": _("terminated"),
}


class TerminationReason(StrEnum):
    investor_withdrew = "investor_withdrew"
    lost_to_other_city = "lost_to_other_city"
    policy = "policy"
    land = "land"
    other = "other"


TERMINATION_LABELS: dict[str, str] = {
    TerminationReason.investor_withdrew: _("Investor withdrew"),
    TerminationReason.lost_to_other_city: _("Landed in another city"),
    TerminationReason.policy: _("Policy reasons"),
    TerminationReason.land: _("Land reasons"),
    TerminationReason.other: _("Other"),
}


class KeyLevel(StrEnum):
    province = "province"
    city = "city"


KEY_LEVEL_LABELS: dict[str, str] = {
    KeyLevel.province: _("Provincial key project"),
    KeyLevel.city: _("City key project"),
}


class TeamRole(StrEnum):
    head = "head"  # 组长
    member = "member"  # 成员
    service = "service"  # 服务专员
    agent = "agent"  # 代办员


TEAM_ROLE_LABELS: dict[str, str] = {
    TeamRole.head: _("Team head"),
    TeamRole.member: _("Team member"),
    TeamRole.service: _("Service officer"),
    TeamRole.agent: _("Agent"),
}
