"""A small local stand-in for the GitHub REST API: the calls envctl makes, over real HTTP.

It records every request, keeps PR states, issue comments, deployments and their statuses in
memory, and answers in GitHub's shapes. Point `GITHUB_API_URL` at `url`.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from app.worker.probes import send_json

TOKEN = "ghs_test_token"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str


@dataclass
class GitHubState:
    repository: str
    pulls: dict[int, str] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    deployments: dict[int, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    next_id: int = 100

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _answer(self, status: int, body: Any) -> None:
        send_json(self, status, body)

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        state = self.server.state
        with self.server.lock:
            state.requests.append(
                Request(method, parts.path, query, body, self.headers.get("Authorization", ""))
            )
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._answer(401, {"message": "Bad credentials"})
                return
            status, answer = route(state, method, parts.path, query, body)
        self._answer(status, answer)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")


def route(
    state: GitHubState, method: str, path: str, query: dict[str, str], body: Any
) -> tuple[int, Any]:
    prefix = f"/repos/{state.repository}"
    if not path.startswith(prefix):
        return 404, {"message": "Not Found"}
    path = path.removeprefix(prefix)
    if match := re.fullmatch(r"/pulls/(\d+)", path):
        number = int(match.group(1))
        if number not in state.pulls:
            return 404, {"message": "Not Found"}
        return 200, {"number": number, "state": state.pulls[number]}
    if match := re.fullmatch(r"/issues/(\d+)/comments", path):
        number = int(match.group(1))
        if method == "POST":
            comment = {"id": state.new_id(), "issue": number, "body": body["body"]}
            state.comments[comment["id"]] = comment
            return 201, comment
        page, per_page = int(query.get("page", 1)), int(query.get("per_page", 30))
        mine = [c for c in state.comments.values() if c["issue"] == number]
        return 200, mine[(page - 1) * per_page : page * per_page]
    if match := re.fullmatch(r"/issues/comments/(\d+)", path):
        comment = state.comments[int(match.group(1))]
        comment["body"] = body["body"]
        return 200, comment
    if path == "/deployments":
        if method == "POST":
            deployment = {"id": state.new_id(), "ref": body["ref"], "sha": body["ref"], **body}
            state.deployments[deployment["id"]] = deployment
            state.statuses[deployment["id"]] = []
            return 201, deployment
        found = [
            d for d in state.deployments.values() if d["environment"] == query.get("environment")
        ]
        return 200, sorted(found, key=lambda d: -int(d["id"]))
    if match := re.fullmatch(r"/deployments/(\d+)/statuses", path):
        number = int(match.group(1))
        if method == "POST":
            status = {"id": state.new_id(), **body}
            state.statuses[number].insert(0, status)  # newest first, as GitHub lists them
            return 201, status
        return 200, state.statuses[number]
    return 404, {"message": "Not Found"}


class _Server(ThreadingHTTPServer):
    def __init__(self, state: GitHubState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        self.lock = threading.Lock()


class GitHubApi:
    def __init__(self, repository: str = "acme/shop") -> None:
        self.state = GitHubState(repository)
        self.server = _Server(self.state)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def environ(self) -> dict[str, str]:
        return {
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_REPOSITORY": self.state.repository,
            "GITHUB_API_URL": self.url,
        }

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def calls(self, method: str | None = None) -> list[Request]:
        return [r for r in self.state.requests if method is None or r.method == method]
