"""`/api/openapi.json` is valid OpenAPI 3.1 and documents every reachable endpoint."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate


def test_document_is_valid_openapi(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_every_api_route_is_documented_with_its_methods(app: Flask, client: FlaskClient) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in paths, f"{rule.rule} is not documented"
        methods = (rule.methods or set()) - {"HEAD", "OPTIONS"}
        assert {m.lower() for m in methods} <= set(paths[path]), rule.rule


def test_protected_operations_declare_bearer_auth(client: FlaskClient) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert paths["/api/jobs"]["post"]["security"] == [{"bearer": []}]
    assert "security" not in paths["/api/health"]["get"]
    assert "422" in paths["/api/jobs"]["post"]["responses"]
    # A repeated idempotency key answers 200 with the existing job (schemathesis found it
    # undocumented).
    assert {"200", "202"} <= set(paths["/api/jobs"]["post"]["responses"])
    assert "503" in paths["/api/ready"]["get"]["responses"]
