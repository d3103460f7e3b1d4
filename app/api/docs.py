"""`/api/openapi.json`: flask-openapi3's document of the declared operations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

blueprint = Blueprint("docs", __name__, url_prefix="/api")
_document: dict[str, Any] | None = None


@blueprint.get("/openapi.json")
def openapi() -> Response:
    global _document  # built once: the declarations do not change while the process runs
    if _document is None:
        _document = dict(current_app.api_doc)  # type: ignore[attr-defined]
        paths = {
            **_document["paths"],
            "/api/openapi.json": {
                "get": {
                    "operationId": "docs_openapi",
                    "summary": "This document",
                    "tags": ["docs"],
                    "responses": {"200": {"description": "the OpenAPI 3.1 document"}},
                }
            },
        }
        components = _document["components"]
        # Sorted, so the committed copy and its TypeScript types diff by meaning, not order.
        _document["paths"] = dict(sorted(paths.items()))
        _document["components"] = {
            **components,
            "schemas": dict(sorted(components["schemas"].items())),
        }
    return jsonify(_document)
