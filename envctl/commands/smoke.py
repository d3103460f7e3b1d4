"""Smoke test of a running stack, from outside, the way a user reaches it.

1. `GET /api/ready` answers 200 (database and Temporal reachable);
2. optionally `GET /api/env` reports the expected commit (the new version is the one serving);
3. an `echo` job goes web app -> temporal-server -> python-worker and comes back: a throwaway
   account signs up, `POST /api/jobs`, then `GET /api/jobs/<id>?wait=...` until it succeeds with
   the message it was given;
4. the Temporal UI answers 200.

Every step retries with backoff until the one deadline, since a stack that just rolled out is
still warming up (TLS certificates being issued, the worker connecting).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

MAX_BACKOFF_SECONDS = 5.0
REQUEST_TIMEOUT_SECONDS = 10.0
JOB_WAIT_SECONDS = 30
SMOKE_EMAIL_DOMAIN = "envctl-smoke.invalid"  # RFC 2606: can never receive mail


class SmokeFailed(Exception):
    """A check did not pass before the deadline; the message says which, and the last answer."""


class _Retry(Exception):
    """Not yet: try again after a pause."""


@dataclass(frozen=True)
class Check:
    name: str
    seconds: float
    detail: str


@dataclass
class SmokeResult:
    checks: list[Check] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(check.seconds for check in self.checks)


def _describe(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
        message = body.get("error", {}).get("message") if isinstance(body, dict) else None
        if message is None and isinstance(body, dict) and "checks" in body:
            failing = {k: v.get("detail") for k, v in body["checks"].items() if not v.get("ok")}
            message = f"failing checks: {failing}"
    except ValueError:
        message = None
    return f"HTTP {response.status_code}" + (f": {message}" if message else "")


class _Smoke:
    def __init__(self, client: httpx.Client, deadline: float, say: Callable[[str], None]) -> None:
        self.client = client
        self.deadline = deadline
        self.say = say
        self.pause = threading.Event()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def until(self, name: str, attempt: Callable[[], str]) -> Check:
        """Call `attempt` until it returns (a detail) or the deadline passes."""
        started = time.monotonic()
        delay, last = 0.5, "no attempt"
        while True:
            try:
                detail = attempt()
                check = Check(name, time.monotonic() - started, detail)
                self.say(f"  ok  {name}: {detail} ({check.seconds:.1f}s)")
                return check
            except (_Retry, httpx.TransportError) as error:
                last = str(error) or type(error).__name__
            except (ValueError, KeyError) as error:  # a 200 that is not our API's JSON
                last = f"unexpected answer: {type(error).__name__}: {error}"
            if self.remaining() <= 0:
                raise SmokeFailed(f"{name}: no success before the deadline; last: {last}")
            self.pause.wait(min(delay, max(self.remaining(), 0)))
            delay = min(delay * 2, MAX_BACKOFF_SECONDS)

    def timeout(self, extra: float = 0) -> float:
        return max(min(self.remaining(), REQUEST_TIMEOUT_SECONDS) + extra, 1.0)

    def get_ok(self, url: str) -> httpx.Response:
        response = self.client.get(url, timeout=self.timeout())
        if response.status_code != 200:
            raise _Retry(f"{url}: {_describe(response)}")
        return response


def _echo_job(smoke: _Smoke, base: str) -> Callable[[], str]:
    tag = f"smoke-{secrets.token_hex(6)}"
    email = f"{tag}@{SMOKE_EMAIL_DOMAIN}"
    password = secrets.token_urlsafe(24)
    message = f"envctl smoke {secrets.token_hex(8)}"
    state: dict[str, str] = {}

    def attempt() -> str:
        client = smoke.client
        if "token" not in state:
            response = client.post(
                f"{base}/api/auth/signup",
                json={"email": email, "password": password},
                timeout=smoke.timeout(),
            )
            if response.status_code >= 500:
                raise _Retry(f"sign-up: {_describe(response)}")
            if response.status_code != 201:
                raise SmokeFailed(f"echo job: sign-up refused: {_describe(response)}")
            state["token"] = response.json()["token"]
        headers = {"Authorization": f"Bearer {state['token']}"}
        if "job" not in state:
            response = client.post(
                f"{base}/api/jobs",
                json={"type": "echo", "input": {"message": message}, "idempotency_key": tag},
                headers=headers,
                timeout=smoke.timeout(),
            )
            if response.status_code >= 500:
                raise _Retry(f"start: {_describe(response)}")
            if response.status_code not in (200, 202):
                raise SmokeFailed(f"echo job: not started: {_describe(response)}")
            state["job"] = response.json()["id"]
        wait = int(max(min(JOB_WAIT_SECONDS, smoke.remaining() - 1), 0))
        response = client.get(
            f"{base}/api/jobs/{state['job']}",
            params={"wait": wait},
            headers=headers,
            timeout=smoke.timeout(extra=wait),
        )
        if response.status_code != 200:
            raise _Retry(f"job {state['job']}: {_describe(response)}")
        job = response.json()
        if job["status"] in ("failed", "cancelled"):
            raise SmokeFailed(f"echo job {job['id']} {job['status']}: {job.get('error')}")
        if job["status"] != "succeeded":
            raise _Retry(f"job {job['id']} is {job['status']}")
        if (job.get("result") or {}).get("message") != message:
            raise SmokeFailed(
                f"echo job {job['id']} returned {job.get('result')!r}, not the message"
            )
        return f"job {job['id']} came back through the worker"

    return attempt


def smoke_test(
    app_url: str,
    temporal_ui_url: str | None,
    *,
    timeout_seconds: float,
    expect_commit: str | None = None,
    run_job: bool = True,
    say: Callable[[str], None] = print,
    verify_tls: bool = True,
) -> SmokeResult:
    base = app_url.rstrip("/")
    result = SmokeResult()
    with httpx.Client(follow_redirects=True, verify=verify_tls) as client:
        smoke = _Smoke(client, time.monotonic() + timeout_seconds, say)

        def ready() -> str:
            smoke.get_ok(f"{base}/api/ready")
            return "200"

        result.checks.append(smoke.until("GET /api/ready", ready))

        if expect_commit is not None:

            def commit() -> str:
                served = smoke.get_ok(f"{base}/api/env").json().get("commit")
                if served != expect_commit:
                    raise _Retry(f"serving commit {served!r}, waiting for {expect_commit!r}")
                return f"serving {served}"

            result.checks.append(smoke.until("GET /api/env commit", commit))

        if run_job:
            result.checks.append(smoke.until("echo job", _echo_job(smoke, base)))

        if temporal_ui_url:
            ui = temporal_ui_url.rstrip("/") + "/"

            def temporal_ui() -> str:
                return f"{smoke.get_ok(ui).status_code}"

            result.checks.append(smoke.until("Temporal UI", temporal_ui))
    return result
