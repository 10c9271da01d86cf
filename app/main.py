"""The application factory: routers, static files and error renderers."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from app.config import PROJECT_ROOT, get_settings
from app.errors import AppError
from app.i18n import DEFAULT_LOCALE

PROBLEM_JSON = "application/problem+json"


def _problem(status: int, title: str, detail: str, kind: str, errors: list[dict] | None = None,
             headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, object] = {
        "type": f"/problems/{kind}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def app_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    locale = getattr(request.state, "locale", DEFAULT_LOCALE)
    return _problem(
        exc.status,
        exc.title,
        exc.detail(locale),
        exc.kind,
        [problem.render(locale) for problem in exc.errors],
    )


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(part) for part in err["loc"] if part not in ("body", "query",
                                                                              "path")),
            "message": err["msg"],
        }
        for err in exc.errors()
    ]
    return _problem(422, "Validation failed", "The request has invalid fields.",
                    "validation-error", errors)


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title="招商通 zhaoshang",
        debug=settings.debug,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.add_exception_handler(AppError, app_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
