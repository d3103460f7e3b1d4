"""No reachable endpoint is missing from `/api/openapi.json`: every route the app
serves under `/api`, tried with every method over real HTTP, either answers 404/405 or
is a documented operation; and every documented operation is routed."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from flask import Flask

from devstack.stack import Stack, process_env

pytestmark = pytest.mark.fuzz

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SAMPLES = {"uuid": str(uuid.uuid4()), "int": "1", "path": "x/y", "default": "x"}
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


@pytest.fixture(scope="module")
def stack(
    base_env: dict[str, str], migrated: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    stack = Stack.start(process_env(base_env), tmp_path_factory.mktemp("reach"))
    yield stack
    stack.stop()


def test_every_reachable_api_route_and_method_is_documented(stack: Stack, app: Flask) -> None:
    http = httpx.Client(base_url=stack.url, timeout=30)
    document = http.get("/api/openapi.json").json()["paths"]
    documented = {(path, method.upper()) for path, ops in document.items() for method in ops}
    rules = [rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api")]
    probes = {*rules, "/api", "/api/", "/api/unknown", "/api/jobs/not-a-uuid", "/api/tasks/-1"}

    reached = set()
    for rule in sorted(probes):
        url = PARAM.sub(lambda m: SAMPLES.get(m.group(1) or "default", "x"), rule)
        path = PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)
        for method in METHODS:
            response = http.request(method, url, json={} if method != "GET" else None)
            assert response.headers["content-type"].startswith("application/json"), (method, url)
            if response.status_code not in (404, 405):
                reached.add((path, method))
            elif (path, method) in documented and response.status_code == 405:
                pytest.fail(f"{method} {path} is documented but answers 405")

    assert reached - documented == set(), "reachable but undocumented"
    assert len(reached) >= 15
