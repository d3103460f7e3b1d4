"""HTTP probes for Kubernetes: `/healthz` (the event loop answers) and `/readyz`
(connected to Temporal and polling)."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOOP_ANSWER_SECONDS = 5.0


@dataclass
class WorkerState:
    loop: asyncio.AbstractEventLoop
    phase: str = "connecting"
    detail: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, phase: str, detail: str = "") -> None:
        with self.lock:
            self.phase, self.detail = phase, detail

    def snapshot(self) -> tuple[str, str]:
        with self.lock:
            return self.phase, self.detail


def send_json(handler: BaseHTTPRequestHandler, status: int, body: object) -> None:
    """Answer a `http.server` request with `body` as JSON."""
    payload = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


async def _noop() -> None:
    return None


def _loop_answers(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        asyncio.run_coroutine_threadsafe(_noop(), loop).result(LOOP_ANSWER_SECONDS)
    except Exception:  # a stuck or closed loop is exactly what liveness must report
        return False
    return True


def start_probe_server(state: WorkerState, port: int, host: str = "0.0.0.0") -> ThreadingHTTPServer:  # noqa: S104
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/healthz":
                alive = _loop_answers(state.loop)
                self._send(200 if alive else 503, {"alive": alive})
            elif self.path == "/readyz":
                phase, detail = state.snapshot()
                self._send(200 if phase == "running" else 503, {"phase": phase, "detail": detail})
            else:
                self._send(404, {"error": "not found"})

        def _send(self, status: int, body: dict[str, object]) -> None:
            send_json(self, status, body)

        def log_message(self, format: str, *args: object) -> None:
            return  # probes every few seconds would drown the log

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="probes", daemon=True).start()
    return server
