"""Security headers on every answer (errors and crashes included), via the `secure` library."""

from secure import (
    ContentSecurityPolicy,
    ReferrerPolicy,
    Secure,
    StrictTransportSecurity,
    XContentTypeOptions,
    XFrameOptions,
)
from secure.middleware.asgi import SecureASGIMiddleware

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

    async def __call__(self, scope: dict, receive: object, send: object) -> None:
        handler = self.tls if scope.get("scheme") == "https" else self.plain
        await handler(scope, receive, send)
