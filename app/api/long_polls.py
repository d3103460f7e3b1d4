"""How many requests of one web process may wait in a long poll at the same time.

gunicorn's gthread worker gives a request its thread until the answer is sent, so a long
poll holds a thread while it waits. Once every thread waited (8 open dashboards at
2 workers x 4 threads), every other request queued until a wait ended, the health checks
the kubelet's probes make included: 19 s for `/api/health` here. Long polls may now hold
all but RESERVED_THREADS of a process's threads. A long poll that finds no room answers
at once, as with `wait=0`, with `Retry-After: 1` to say when to ask again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Response, after_this_request

RESERVED_THREADS = 4
RETRY_AFTER_SECONDS = 1


class LongPolls:
    def __init__(self, threads: int) -> None:
        self._room = threading.BoundedSemaphore(max(threads - RESERVED_THREADS, 0))

    @contextmanager
    def waiting(self, seconds: float) -> Iterator[float]:
        """The seconds this request may wait: `seconds`, or 0 when long polls hold every
        thread they may; then the answer carries `Retry-After`."""
        if seconds <= 0:
            yield 0.0
            return
        if not self._room.acquire(blocking=False):
            after_this_request(_retry_later)
            yield 0.0
            return
        try:
            yield seconds
        finally:
            self._room.release()


def _retry_later(response: Response) -> Response:
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
