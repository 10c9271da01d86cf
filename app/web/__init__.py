"""The HTTP machinery both doors share: the cookie and bearer actors, CSRF, idempotency,
rate limits, the body limit, problem+json, cursors, OpenAPI, templating and forms."""
