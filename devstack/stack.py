"""A whole app stack of real processes (gunicorn web app + `temporal_server.py`
worker) on the test run's PostgreSQL and Temporal dev server."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from devstack.ports import free_port
from devstack.processes import WebProcess, WorkerProcess


def process_env(base: dict[str, str], **overrides: str) -> dict[str, str]:
    """`base` with fresh ports and a task queue of its own, so stacks never share work."""
    return {
        **base,
        "WEB_PORT": str(free_port()),
        "WORKER_HEALTH_PORT": str(free_port()),
        "WORKER_METRICS_PORT": str(free_port()),
        "TEMPORAL_TASK_QUEUE": f"stack-{uuid.uuid4().hex[:8]}",
        "WEB_WORKERS": "2",
        **overrides,
    }


@dataclass
class Stack:
    env: dict[str, str]
    web: WebProcess
    worker: WorkerProcess

    @classmethod
    def start(cls, env: dict[str, str], log_dir: Path) -> Stack:
        env = {**env, "HEALTHCHECK_TARGET_URL": f"http://127.0.0.1:{env['WEB_PORT']}"}
        stack = cls(env, WebProcess.create(env, log_dir), WorkerProcess.create(env, log_dir))
        stack.web.start()
        stack.worker.start()
        stack.web.wait_healthy()
        stack.worker.wait_ready()
        return stack

    @property
    def url(self) -> str:
        return self.web.url

    def stop(self) -> None:
        self.worker.stop()
        self.web.stop()
