"""`/api/openapi.json`, generated from the endpoint declarations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from app.api.spec import SPEC

blueprint = Blueprint("docs", __name__, url_prefix="/api")
_document: dict[str, Any] | None = None


@blueprint.get("/openapi.json")
def openapi() -> Response:
    global _document  # built once: the declarations do not change while the process runs
    if _document is None:
        _document = SPEC.document()
        _document["paths"]["/api/openapi.json"] = {
            "get": {
                "operationId": "docs_openapi",
                "summary": "This document",
                "tags": ["docs"],
                "responses": {"200": {"description": "the OpenAPI 3.1 document"}},
            }
        }
    return jsonify(_document)
