"""Soft delete on the pages: the project page's delete button, the administrators' 回收站
with restore, both audited; a deleted project counts nowhere until restored."""

import re

import pytest
from sqlalchemy import select

from app.accounts.permissions import Actor
from app.analytics.cockpit import cockpit
from app.audit.models import AuditEvent
from app.clock import local_date
from app.errors import Conflict, NotFound, PermissionDenied, StaleVersion
from app.projects.models import Project
from app.projects.schemas import InvestorIn, ProjectFilters
from app.projects.service import (
    deleted_projects,
    restore_project,
    soft_delete_project,
)
from tests.conftest import csrf_of


def new_projects_this_year(session) -> int:
    return cockpit(session, Actor.system(), ProjectFilters(),
                   year=local_date().year).kpis.new_projects


def test_cockpit_counts_drop_on_delete_and_come_back_on_restore(session, staff, admin,
                                                                 make_project):
    kept, deleted = make_project(), make_project()
    assert new_projects_this_year(session) == 2
    soft_delete_project(session, deleted.id, expected_version=None, actor=staff)
    assert new_projects_this_year(session) == 1
    assert [p.id for p in deleted_projects(session, admin)[0]] == [deleted.id]
    restore_project(session, deleted.id, actor=admin, expected_version=None)
    assert new_projects_this_year(session) == 2 and deleted_projects(session, admin)[0] == []
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "project", AuditEvent.object_id == str(deleted.id))).all()
    assert "project.delete" in actions and "project.restore" in actions
    assert kept.deleted_at is None


def test_only_an_administrator_restores_and_only_deleted_projects(session, staff, admin,
                                                                  make_project):
    project = make_project()
    with pytest.raises(NotFound):
        restore_project(session, project.id, actor=admin, expected_version=None)
    soft_delete_project(session, project.id, expected_version=None, actor=staff)
    with pytest.raises(PermissionDenied):
        restore_project(session, project.id, actor=staff, expected_version=None)
    with pytest.raises(PermissionDenied):
        deleted_projects(session, staff)


def test_delete_from_the_page_then_restore_from_the_recycle_bin(client, signed_in, session,
                                                                 make_project):
    project = make_project(name="待删除的项目")
    session.commit()
    signed_in("admin.li", roles=["admin"])
    page = client.get(f"/projects/{project.id}")
    assert f'action="/projects/{project.id}/delete"' in page.text and "data-confirm" in page.text
    version = re.search(r'name="version" value="(\d+)"', page.text.split(
        f'/projects/{project.id}/delete')[1]).group(1)
    deleted = client.post(f"/projects/{project.id}/delete", follow_redirects=False, data={
        "csrf_token": csrf_of(client, f"/projects/{project.id}"), "version": version})
    assert deleted.status_code == 303
    assert "待删除的项目" not in client.get("/projects").text
    assert client.get(f"/projects/{project.id}").status_code == 404
    bin_page = client.get("/recycle-bin")
    assert bin_page.status_code == 200 and "待删除的项目" in bin_page.text
    assert 'href="/recycle-bin"' in bin_page.text  # in the menu
    bin_version = re.search(r'name="version" value="(\d+)"', bin_page.text).group(1)
    restored = client.post(f"/recycle-bin/{project.id}/restore", follow_redirects=False,
                           data={"csrf_token": csrf_of(client, "/recycle-bin"),
                                 "version": bin_version})
    assert restored.status_code == 303
    assert client.get(f"/projects/{project.id}").status_code == 200
    assert "待删除的项目" not in client.get("/recycle-bin").text
    session.expire_all()
    assert session.get(Project, project.id).deleted_at is None


def test_who_may_not_delete_sees_no_button_and_staff_have_no_recycle_bin(client, signed_in,
                                                                          session,
                                                                          make_project):
    project = make_project()
    session.commit()
    signed_in("li.leader", roles=["leader"])
    page = client.get(f"/projects/{project.id}")
    assert page.status_code == 200 and f"/projects/{project.id}/delete" not in page.text
    assert client.get("/recycle-bin").status_code == 403
    refused = client.post(f"/projects/{project.id}/delete", follow_redirects=False, data={
        "csrf_token": csrf_of(client, f"/projects/{project.id}"), "version": "1"})
    assert refused.status_code == 403
    session.expire_all()
    assert session.get(Project, project.id).deleted_at is None


def test_a_project_of_an_investor_who_now_has_another_live_project_is_not_restored(
        session, staff, admin, make_project):
    investor = InvestorIn(name="回收站重复测试有限公司")
    first = make_project(investor=investor)
    soft_delete_project(session, first.id, expected_version=None, actor=staff)
    second = make_project(investor=investor)  # allowed: the first one was in the bin
    with pytest.raises(Conflict) as refused:
        restore_project(session, first.id, actor=admin, expected_version=None)
    assert second.code in refused.value.detail("en")
    session.expire_all()
    assert session.get(Project, first.id).deleted_at is not None


def test_a_stale_bin_page_restores_nothing(session, staff, admin, make_project):
    project = make_project()
    soft_delete_project(session, project.id, expected_version=None, actor=staff)
    read_at = session.get(Project, project.id).version
    restore_project(session, project.id, actor=admin, expected_version=read_at)
    soft_delete_project(session, project.id, expected_version=None, actor=staff)
    with pytest.raises(StaleVersion):
        restore_project(session, project.id, actor=admin, expected_version=read_at)
    assert session.get(Project, project.id).deleted_at is not None


def test_the_recycle_bin_is_paged(session, staff, admin, make_project):
    from app.projects.service import RECYCLE_BIN_PAGE
    for _ in range(RECYCLE_BIN_PAGE + 1):
        project = make_project()
        soft_delete_project(session, project.id, expected_version=None, actor=staff)
    first, more = deleted_projects(session, admin)
    second, more_after = deleted_projects(session, admin, page=2)
    assert (len(first), more, len(second), more_after) == (RECYCLE_BIN_PAGE, True, 1, False)
