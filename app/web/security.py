"""Security headers on every answer (errors and crashes included), via the `secure` library;
`Cache-Control: no-store` on every answer but static files; no `Server` header from the app."""

from secure import (
    ContentSecurityPolicy,
    ReferrerPolicy,
    Secure,
    StrictTransportSecurity,
    XContentTypeOptions,
    XFrameOptions,
)
from secure.middleware.asgi import SecureASGIMiddleware
from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

# Static files (versioned vendor assets, CSS, JS) may be cached; nothing else: pages and API
# answers carry project data, and a shared or browser cache would keep it after log-out.
STATIC_PREFIX = "/static/"

# No inline script anywhere: templates load /static files only. Styles likewise.
CSP = (
    ContentSecurityPolicy()
    .default_src("'self'")
    .script_src("'self'")
    .style_src("'self'")
    .img_src("'self'", "data:")
    .font_src("'self'", "data:")
    .connect_src("'self'")
    .object_src("'none'")
    .base_uri("'self'")
    .form_action("'self'")
    .frame_ancestors("'none'")
)


def _secure(hsts: bool) -> Secure:
    return Secure(
        csp=CSP,
        xcto=XContentTypeOptions(),
        xfo=XFrameOptions().deny(),
        referrer=ReferrerPolicy().strict_origin_when_cross_origin(),
        hsts=StrictTransportSecurity().max_age(31_536_000).include_subdomains() if hsts else None,
    )


class SecurityHeadersMiddleware:
    """Outermost layer: HSTS only when the request came over HTTPS."""

    def __init__(self, app: object) -> None:
        self.plain = SecureASGIMiddleware(app, secure=_secure(hsts=False))
        self.tls = SecureASGIMiddleware(app, secure=_secure(hsts=True))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self.tls if scope.get("scheme") == "https" else self.plain
        if scope["type"] != "http":
            await handler(scope, receive, send)
            return
        cacheable = scope["path"].startswith(STATIC_PREFIX)

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # The server's own Server header is switched off where it is started
                # (uvicorn adds it outside the app); this drops any from inside.
                del headers["server"]
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await handler(scope, receive, send_with_policy)
