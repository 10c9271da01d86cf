"""Every door's router, in the order the app serves them (and the OpenAPI document lists
them). The assembly: it imports the doors; no door imports it."""

from fastapi import APIRouter

from app.accounts.api import router as accounts_api
from app.accounts.pages import router as accounts_pages
from app.activities.api import router as activities_api
from app.analytics.api import router as analytics_api
from app.analytics.pages import router as analytics_pages
from app.audit.api import router as audit_api
from app.audit.pages import router as audit_pages
from app.clients.pages import router as clients_pages
from app.investors.api import router as investors_api
from app.investors.pages import router as investors_pages
from app.lookups.api import router as lookups_api
from app.projects.api import router as projects_api
from app.projects.pages import router as project_pages
from app.web.openapi import docs_router
from app.webhooks.api import router as webhooks_api
from app.workbench.pages import router as workbench_pages

PAGES: tuple[APIRouter, ...] = (
    accounts_pages,
    analytics_pages,
    audit_pages,
    investors_pages,
    project_pages,
    workbench_pages,
    clients_pages,
    docs_router,
)
API: tuple[APIRouter, ...] = (
    accounts_api,
    webhooks_api,
    audit_api,
    projects_api,
    investors_api,
    activities_api,
    lookups_api,
    analytics_api,
)
ROUTERS = PAGES + API
