"""The few GitHub REST calls envctl makes: PR state, one sticky comment per key, Deployments.

Credentials come from the environment GitHub Actions provides: `GITHUB_TOKEN`,
`GITHUB_REPOSITORY` (owner/name) and `GITHUB_API_URL` (GitHub Enterprise, or a test server).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from envctl.model.inputs import InputError

TOKEN_ENV = "GITHUB_TOKEN"  # noqa: S105  (a variable's name)
REPOSITORY_ENV = "GITHUB_REPOSITORY"
API_URL_ENV = "GITHUB_API_URL"
DEFAULT_API_URL = "https://api.github.com"
MAX_COMMENT_CHARS = 65_000  # GitHub refuses bodies over 65,536 characters
MAX_PAGES = 30
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")
Written = Literal["created", "updated", "unchanged"]


class GitHubError(Exception):
    """GitHub answered with an error, or could not be reached."""


def sticky_marker(key: str) -> str:
    return f"<!-- envctl:sticky:{key} -->"


def require_comment_key(key: str, field: str = "--key") -> str:
    if not _KEY.match(key):
        raise InputError(field, "lowercase letters, digits and '-' (e.g. 'review')", key)
    return key


@dataclass(frozen=True)
class GitHub:
    token: str
    repository: str
    api_url: str = DEFAULT_API_URL
    run_url: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> GitHub | None:
        """A client when both GITHUB_TOKEN and GITHUB_REPOSITORY are set, else None."""
        token = environ.get(TOKEN_ENV, "").strip()
        repository = environ.get(REPOSITORY_ENV, "").strip()
        if not token or not repository:
            return None
        if not _REPOSITORY.match(repository):
            raise InputError(REPOSITORY_ENV, "owner/name, e.g. 'acme/shop'", repository)
        server, run = environ.get("GITHUB_SERVER_URL"), environ.get("GITHUB_RUN_ID")
        run_url = f"{server}/{repository}/actions/runs/{run}" if server and run else None
        api_url = environ.get(API_URL_ENV, "").strip() or DEFAULT_API_URL
        return cls(token, repository, api_url.rstrip("/"), run_url)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "envctl",
        }
        try:
            response = httpx.request(
                method, f"{self.api_url}{path}", headers=headers, timeout=30, **kwargs
            )
        except httpx.HTTPError as error:
            raise GitHubError(f"{method} {path}: {error}") from None
        if response.status_code >= 400:
            try:
                message = response.json().get("message", "")
            except ValueError:
                message = response.text[:200]
            raise GitHubError(f"{method} {path}: HTTP {response.status_code} {message}".strip())
        return response.json() if response.content else None

    def _repo(self, path: str) -> str:
        return f"/repos/{self.repository}{path}"

    def pull_request_state(self, pr: int) -> str:
        """'open' or 'closed' (a merged PR is closed)."""
        return str(self._call("GET", self._repo(f"/pulls/{pr}"))["state"])

    def _comments(self, pr: int) -> list[dict[str, Any]]:
        comments: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            batch = self._call(
                "GET",
                self._repo(f"/issues/{pr}/comments"),
                params={"per_page": 100, "page": page},
            )
            comments += batch
            if len(batch) < 100:
                break
        return comments

    def upsert_comment(self, pr: int, key: str, body: str) -> tuple[Written, int]:
        """One comment per (PR, key), found by its hidden marker and edited in place."""
        marker = sticky_marker(require_comment_key(key))
        if len(body) > MAX_COMMENT_CHARS:
            body = body[:MAX_COMMENT_CHARS] + "\n\n... (truncated)"
        text = f"{marker}\n{body}"
        existing = next((c for c in self._comments(pr) if marker in (c.get("body") or "")), None)
        if existing is None:
            created = self._call("POST", self._repo(f"/issues/{pr}/comments"), json={"body": text})
            return "created", int(created["id"])
        if existing.get("body") == text:
            return "unchanged", int(existing["id"])
        self._call("PATCH", self._repo(f"/issues/comments/{existing['id']}"), json={"body": text})
        return "updated", int(existing["id"])

    def deployments(self, environment: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._call(
            "GET", self._repo("/deployments"), params={"environment": environment, "per_page": 100}
        )
        return found

    def record_deployment(
        self, environment: str, ref: str, url: str, *, transient: bool, description: str
    ) -> Written:
        """A Deployment of `ref` with a success status pointing at `url`, unless one exists."""
        latest = next(iter(self.deployments(environment)), None)
        if latest is not None and ref in (latest.get("ref"), latest.get("sha")):
            statuses = self._call("GET", self._repo(f"/deployments/{latest['id']}/statuses"))
            if (
                statuses
                and statuses[0].get("state") == "success"
                and (statuses[0].get("environment_url") == url)
            ):
                return "unchanged"
        deployment = self._call(
            "POST",
            self._repo("/deployments"),
            json={
                "ref": ref,
                "environment": environment,
                "description": description,
                "auto_merge": False,
                "required_contexts": [],
                "transient_environment": transient,
                "production_environment": environment == "production",
            },
        )
        status: dict[str, Any] = {
            "state": "success",
            "environment_url": url,
            "auto_inactive": True,
            "description": description,
        }
        if self.run_url:
            status["log_url"] = self.run_url
        self._call("POST", self._repo(f"/deployments/{deployment['id']}/statuses"), json=status)
        return "created"

    def deactivate_deployments(self, environment: str) -> int:
        """Mark every Deployment of `environment` inactive; returns how many were active."""
        count = 0
        for deployment in self.deployments(environment):
            statuses = self._call("GET", self._repo(f"/deployments/{deployment['id']}/statuses"))
            if statuses and statuses[0].get("state") == "inactive":
                continue
            self._call(
                "POST",
                self._repo(f"/deployments/{deployment['id']}/statuses"),
                json={"state": "inactive", "description": "preview destroyed"},
            )
            count += 1
        return count
