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
    assert {"200", "202", "409", "422"} <= set(paths["/api/jobs"]["post"]["responses"])
    assert "503" in paths["/api/ready"]["get"]["responses"]


def test_views_that_take_the_account_are_the_ones_documented_with_bearer_auth(
    app: Flask, client: FlaskClient
) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    protected = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        needs_account = getattr(app.view_functions[rule.endpoint], "needs_account", False)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            operation = paths[path][method.lower()]
            assert ("security" in operation) == needs_account, f"{method} {rule.rule}"
            assert ("401" in operation["responses"]) == needs_account or path == "/api/auth/login"
            if needs_account:
                protected.add(f"{method} {path}")
    assert {"GET /api/tasks", "POST /api/jobs", "GET /api/auth/me"} <= protected


def test_every_documented_error_is_our_envelope(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").get_json()
    error_body = {"$ref": "#/components/schemas/ErrorBody"}
    shared = document["components"].get("responses", {})
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    if "$ref" in response:  # shared: components/responses/<name>
                        response = shared[response["$ref"].rsplit("/", 1)[-1]]
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == error_body, f"{method} {path} {status}"
    assert set(document["components"]["schemas"]["ErrorBody"]["properties"]) == {"error"}
