"""Who may do what: the role x permission matrix, written once as data, and the Actor.

Routes declare the permission they need (`requires(...)`); services check the rules that
depend on the object (which county, who leads it) and build every query in the actor's scope.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from app.accounts.models import User
from app.i18n import _


class Role(StrEnum):
    admin = "admin"
    auditor = "auditor"
    leader = "leader"
    staff = "staff"
    supervisor = "supervisor"
    client = "client"  # agency API clients; their scopes narrow this further


# The roles a person can hold, as the pages name them.
ROLE_LABELS: dict[str, str] = {
    Role.admin: _("Administrator"),
    Role.auditor: _("Auditor"),
    Role.leader: _("Leader"),
    Role.staff: _("Staff"),
    Role.supervisor: _("Supervisor"),
}


class Permission(StrEnum):
    project_read = "project.read"
    project_create = "project.create"
    project_update = "project.update"
    project_assign_leader = "project.assign_leader"
    project_delete = "project.delete"
    project_restore = "project.restore"
    activity_create = "activity.create"
    contact_unmask = "contact.unmask"
    stats_read = "stats.read"
    export = "export"
    audit_read = "audit.read"
    user_manage = "user.manage"
    lookup_manage = "lookup.manage"
    targets_manage = "targets.manage"  # targets and warning rules
    self_service = "self"  # one's own password, language and sessions


_ALL_STAFF_ROLES = {Role.admin, Role.leader, Role.staff, Role.supervisor}

MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.project_read: frozenset(_ALL_STAFF_ROLES | {Role.client}),
    Permission.project_create: frozenset({Role.admin, Role.staff, Role.client}),
    Permission.project_update: frozenset({Role.admin, Role.leader, Role.staff, Role.client}),
    Permission.project_assign_leader: frozenset({Role.admin, Role.staff, Role.client}),
    Permission.project_delete: frozenset({Role.admin, Role.staff, Role.client}),
    # The recycle bin: only an administrator sees deleted projects and brings them back.
    Permission.project_restore: frozenset({Role.admin}),
    Permission.activity_create: frozenset({Role.admin, Role.leader, Role.staff, Role.client}),
    Permission.contact_unmask: frozenset({Role.admin, Role.leader, Role.staff, Role.supervisor}),
    Permission.stats_read: frozenset(_ALL_STAFF_ROLES | {Role.client}),
    Permission.export: frozenset(_ALL_STAFF_ROLES),
    Permission.audit_read: frozenset({Role.auditor}),
    Permission.user_manage: frozenset({Role.admin}),
    Permission.lookup_manage: frozenset({Role.admin}),
    # 三权分立: the administrator manages accounts, not figures; supervisors (督查) set the
    # targets and warning rules the counties are judged by.
    Permission.targets_manage: frozenset({Role.supervisor}),
    Permission.self_service: frozenset(_ALL_STAFF_ROLES | {Role.auditor}),
}


@dataclass(frozen=True)
class Actor:
    """The user (or agency client) acting, with where the request came from."""

    user_id: int | None
    name: str
    roles: frozenset[str]
    county_code: str | None  # None: the city, all counties
    ip: str | None = None
    user_agent: str | None = None
    client_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, user: User, roles: set[str] | frozenset[str], *, ip: str | None = None,
           user_agent: str | None = None) -> "Actor":
        return cls(user_id=user.id, name=user.username, roles=frozenset(roles),
                   county_code=user.county_code, ip=ip, user_agent=user_agent)

    @classmethod
    def system(cls, name: str = "system") -> "Actor":
        """Command-line and background work: the city scope, every permission."""
        return cls(user_id=None, name=name, roles=frozenset({Role.admin.value}),
                   county_code=None)

    @property
    def is_admin(self) -> bool:
        return Role.admin in self.roles

    def can(self, permission: Permission) -> bool:
        return any(role in MATRIX[permission] for role in self.roles)
