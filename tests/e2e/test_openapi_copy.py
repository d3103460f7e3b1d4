"""The frontend's API types come from a committed copy of the OpenAPI document;
this keeps that copy equal to what the backend serves now."""

from __future__ import annotations

from devstack.openapi_document import COMMITTED_COPY, served_document


def test_frontend_openapi_copy_matches_served_document() -> None:
    committed = COMMITTED_COPY.read_text(encoding="utf-8") if COMMITTED_COPY.exists() else ""

    assert committed == served_document(), (
        f"{COMMITTED_COPY} differs from GET /api/openapi.json; run `make openapi` "
        "to refresh it and the generated TypeScript types, then review the diff"
    )
