"""The REST API's cross-cutting machinery: bearer tokens (users and agency clients), scopes,
rate limits, idempotency keys, the request-size limit, and webhooks (outbox + delivery).

The domain routes live beside their services (app/projects/api.py, app/activities/api.py,
app/lookups/api.py, app/analytics/api.py); this package only opens the door. Nothing is
imported here, so app.projects.service can import app.api.webhooks without a cycle.
"""
