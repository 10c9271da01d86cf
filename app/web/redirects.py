"""Where a page sends the browser after a write: a 303, or for HTMX a 204 with HX-Redirect.

Targets often carry user input (a saved view's query, a `next` field). A header value may
hold neither CR/LF nor characters beyond Latin-1 (the server would drop the whole answer),
so the target is percent-encoded exactly as Starlette's RedirectResponse does for Location.
"""

from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from app.web.templating import is_htmx

URL_SAFE = ":/%#?=@[]!$&'()*+,;"


def local_target(target: str | None) -> str | None:
    """`target` if it is a path on this site: not "//host" nor "/\\host" (browsers read both
    as another host), else None."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None


def referer_target(request: Request, fallback: str) -> str:
    """Back to the page a form was on: the Referer's path and query, on this site whatever
    host it names (a proxy may have renamed ours)."""
    referer = urlsplit(request.headers.get("referer") or "")
    path = referer.path + (f"?{referer.query}" if referer.query else "")
    return local_target(path) or fallback


def see_other(request: Request, target: str) -> Response:
    """The one way a page answers "go there": HX-Redirect for HTMX, else a 303."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": quote(target, safe=URL_SAFE)})
    return RedirectResponse(target, status_code=303)
