"""The app's REST API over real HTTP, as a caller outside the process sees it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from devstack.accounts import PASSWORD, new_email
from devstack.waiting import wait_until

TERMINAL = frozenset({"succeeded", "failed", "cancelled"})


class ApiClient:
    """One signed-up account talking to one web app. Thread-safe (httpx pools connections)."""

    def __init__(self, base_url: str, token: str, email: str) -> None:
        self.email = email
        self.account_id = 0
        self.http = httpx.Client(
            base_url=base_url,
            timeout=60,
            headers={"Authorization": f"Bearer {token}"},
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )

    @classmethod
    def sign_up(cls, base_url: str) -> ApiClient:
        email = new_email()
        response = httpx.post(
            f"{base_url}/api/auth/signup", json={"email": email, "password": PASSWORD}, timeout=30
        )
        assert response.status_code == 201, response.text
        body = response.json()
        client = cls(base_url, body["token"], email)
        client.account_id = body["account"]["id"]
        return client

    def close(self) -> None:
        self.http.close()

    def start_job(
        self, job_type: str, data: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"type": job_type, "input": data}
        if idempotency_key is not None:
            body["idempotency_key"] = idempotency_key
        response = self.http.post("/api/jobs", json=body)
        assert response.status_code in (200, 202), response.text
        job: dict[str, Any] = response.json()
        return job

    def start_jobs(
        self, requests: Iterable[tuple[str, dict[str, Any]]], retry_unavailable: float = 0
    ) -> list[dict[str, Any]]:
        """Start many jobs concurrently, the way many callers at once would.

        With `retry_unavailable`, each request carries its own idempotency key and a 503 is
        retried with it for that many seconds, as a careful client does: a start whose answer
        was lost then returns the same job, never a second one."""

        def start(request: tuple[str, dict[str, Any]]) -> dict[str, Any]:
            if not retry_unavailable:
                return self.start_job(*request)
            body = {"type": request[0], "input": request[1], "idempotency_key": uuid.uuid4().hex}

            def accepted() -> dict[str, Any] | None:
                response = self.http.post("/api/jobs", json=body)
                if response.status_code == 503:
                    return None
                assert response.status_code in (200, 201, 202), response.text
                job: dict[str, Any] = response.json()
                return job

            return wait_until(accepted, retry_unavailable, f"POST /api/jobs of {request[0]}")

        with ThreadPoolExecutor(max_workers=16) as pool:
            return list(pool.map(start, requests))

    def job(self, job_id: str, wait: float = 0) -> dict[str, Any]:
        response = self.http.get(f"/api/jobs/{job_id}", params={"wait": wait} if wait else None)
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        return job

    def jobs(self) -> dict[str, dict[str, Any]]:
        """Every job of this account by id, refreshed from Temporal by the list endpoint."""
        found: dict[str, dict[str, Any]] = {}
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 100}
            if cursor:
                params["cursor"] = cursor
            response = self.http.get("/api/jobs", params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            for job in page["items"]:
                assert job["id"] not in found, f"job {job['id']} listed twice"
                found[job["id"]] = job
            cursor = page["next_cursor"]
            if cursor is None:
                return found

    def add_tasks(self, titles: Iterable[str], **fields: Any) -> list[dict[str, Any]]:
        created = []
        for title in titles:
            response = self.http.post("/api/tasks", json={"title": title, **fields})
            assert response.status_code == 201, response.text
            created.append(response.json())
        return created
