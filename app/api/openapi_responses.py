"""Responses many operations share, declared once under `components/responses`.

Every operation lists its errors (401, 404, 503, ...) with the same description and body;
inlined, the document and the TypeScript types generated from it repeat each one per
operation. A response that two or more operations give identically is moved to
`components/responses` under its status's name and referenced from each operation.
"""

from __future__ import annotations

import json
from collections import Counter
from http import HTTPStatus
from typing import Any


def _name(status: str) -> str:
    return HTTPStatus(int(status)).phrase.title().replace(" ", "").replace("-", "")


def _key(response: dict[str, Any]) -> str:
    return json.dumps(response, sort_keys=True)


def share_responses(spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` with each error response several operations share as one `$ref`, named after
    its status. A response only one operation gives stays inline; so do the shared ones of a
    status that has two (two kinds of 409 each used twice), so a name means one response."""
    operations = [op for item in spec.get("paths", {}).values() for op in item.values()]
    uses = Counter(
        (status, _key(response))
        for op in operations
        for status, response in op.get("responses", {}).items()
        if status.isdigit() and int(status) >= 400
    )
    shared = [(status, key) for (status, key), count in uses.items() if count > 1]
    shared_per_status = Counter(status for status, _ in shared)
    named = {(s, k): _name(s) for s, k in shared if shared_per_status[s] == 1}
    if not named:
        return spec
    for op in operations:
        for status, response in op.get("responses", {}).items():
            name = named.get((status, _key(response)))
            if name is not None:
                op["responses"][status] = {"$ref": f"#/components/responses/{name}"}
    components = spec.setdefault("components", {})
    components["responses"] = {
        name: json.loads(key) for (_, key), name in sorted(named.items(), key=lambda i: i[1])
    }
    return spec
