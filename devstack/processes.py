"""The web app (gunicorn) and the worker (`temporal_server.py`) as real child
processes, configured only through environment variables, as in a container."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from devstack.waiting import GaveUp, wait_until

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class ManagedProcess:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self) -> bool:
        if self.process is None:
            return False
        if self.process.poll() is not None:
            raise GaveUp(f"{self.name} exited {self.process.returncode}:\n{self.log_tail()}")
        return True

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def signal(self, signum: int) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signum)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def stop(self, timeout: float = 30) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code


def _http_ok(url: str) -> bool:
    return httpx.get(url, timeout=2).status_code == 200


@dataclass
class WebProcess(ManagedProcess):
    port: int = 0

    @classmethod
    def create(cls, env: dict[str, str], log_dir: Path) -> WebProcess:
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "python:app.gunicorn_conf",
            "app:create_app()",
        ]
        return cls("web", command, env, log_dir / "web.log", port=int(env["WEB_PORT"]))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, timeout: float = 60) -> None:
        wait_until(lambda: self.alive() and _http_ok(self.url + "/api/health"), timeout, "web")


@dataclass
class WorkerProcess(ManagedProcess):
    health_port: int = 0

    @classmethod
    def create(cls, env: dict[str, str], log_dir: Path) -> WorkerProcess:
        command = [sys.executable, str(ROOT / "temporal_server.py")]
        return cls(
            "worker",
            command,
            env,
            log_dir / "worker.log",
            health_port=int(env["WORKER_HEALTH_PORT"]),
        )

    def wait_ready(self, timeout: float = 60) -> None:
        url = f"http://127.0.0.1:{self.health_port}/readyz"
        wait_until(lambda: self.alive() and _http_ok(url), timeout, "worker readiness")
