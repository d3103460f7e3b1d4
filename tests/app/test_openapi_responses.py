"""Shared error responses are declared once in the OpenAPI document and referenced."""

from __future__ import annotations

from typing import Any

from app.api.openapi_responses import share_responses

UNAUTHORIZED = {"description": "bad token", "content": {"application/json": {"schema": {}}}}


def conflict(text: str) -> dict[str, Any]:
    return {"description": text}


def spec() -> dict[str, Any]:
    return {
        "paths": {
            "/a": {
                "get": {"responses": {"200": {"description": "OK"}, "401": dict(UNAUTHORIZED)}},
                "post": {"responses": {"401": dict(UNAUTHORIZED), "409": conflict("used")}},
            },
            "/b": {
                "delete": {"responses": {"401": dict(UNAUTHORIZED), "409": conflict("used")}},
                "put": {"responses": {"409": conflict("finished")}},
            },
        }
    }


def test_a_response_several_operations_give_becomes_one_component() -> None:
    shared = share_responses(spec())
    assert shared["components"]["responses"] == {
        "Conflict": conflict("used"),
        "Unauthorized": UNAUTHORIZED,
    }
    for path, method in (("/a", "get"), ("/a", "post"), ("/b", "delete")):
        answer = shared["paths"][path][method]["responses"]["401"]
        assert answer == {"$ref": "#/components/responses/Unauthorized"}


def test_success_answers_and_a_response_given_once_stay_inline() -> None:
    shared = share_responses(spec())
    assert shared["paths"]["/a"]["get"]["responses"]["200"] == {"description": "OK"}
    assert shared["paths"]["/b"]["put"]["responses"]["409"] == conflict("finished")


def test_a_status_with_two_shared_bodies_stays_inline() -> None:
    document = spec()
    for method in ("get", "put"):  # "finished" is now given twice too
        document["paths"]["/a" if method == "get" else "/b"][method]["responses"]["409"] = conflict(
            "finished"
        )
    shared = share_responses(document)
    assert "Conflict" not in shared["components"]["responses"]
    assert shared["paths"]["/a"]["post"]["responses"]["409"] == conflict("used")


def test_the_served_document_refers_to_its_shared_errors(client: Any) -> None:
    document = client.get("/api/openapi.json").get_json()
    names = set(document["components"]["responses"])
    assert {"Unauthorized", "NotFound"} <= names
    one_job = document["paths"]["/api/jobs/{job_id}"]["get"]["responses"]
    assert one_job["404"] == {"$ref": "#/components/responses/NotFound"}
