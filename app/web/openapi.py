"""The OpenAPI document's extras, and the human docs (Swagger UI from static/, no internet
needed)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.web.problems import Problem
from app.web.templating import render

docs_router = APIRouter(include_in_schema=False)

SWAGGER_UI = "swagger-ui-dist-5.35.0"


@docs_router.get("/api/docs")
async def api_docs(request: Request) -> Response:
    return render(request, "api/docs.html", swagger=f"/static/vendor/{SWAGGER_UI}")


def install_openapi_extras(app: Any) -> None:
    """Adds what FastAPI does not generate: the Problem schema every error answer refers
    to, and the API's description. Pages are not in the document (include_in_schema)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in problem.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components["Problem"] = problem
        schema["info"]["description"] = (
            "招商通 REST API v1 for other agencies. Bearer tokens; errors are RFC 9457 "
            "problem+json; money is a decimal string in 万元. See docs/api.md.")
        schema["info"]["version"] = "1"
        app.openapi_schema = schema
        return schema

    app.openapi = openapi
