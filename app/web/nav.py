"""The side menu, as data: each entry shows only to those holding its permission."""

from dataclasses import dataclass

from app.accounts.permissions import Actor, Permission
from app.i18n import _


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    href: str
    permission: Permission


NAV: list[NavItem] = [
    NavItem("workbench", _("Workbench"), "/", Permission.project_read),
    NavItem("projects", _("Projects"), "/projects", Permission.project_read),
    NavItem("kanban", _("Kanban"), "/projects/kanban", Permission.project_read),
    NavItem("leaders", _("Leader board"), "/leaders", Permission.project_read),
    NavItem("cockpit", _("Cockpit"), "/cockpit", Permission.stats_read),
    NavItem("account", _("My account"), "/account", Permission.self_service),
    NavItem("users", _("Users"), "/admin/users", Permission.user_manage),
    NavItem("clients", _("API clients"), "/admin/clients", Permission.user_manage),
    NavItem("recycle_bin", _("Recycle bin"), "/recycle-bin", Permission.project_restore),
    NavItem("audit", _("Audit trail"), "/audit", Permission.audit_read),
]


def menu_for(actor: Actor | None) -> list[NavItem]:
    if actor is None:
        return []
    return [item for item in NAV if actor.can(item.permission)]
