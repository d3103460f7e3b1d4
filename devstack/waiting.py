"""Wait for an observable condition, with a deadline.

Tests never sleep a fixed time and hope; they poll the condition they need (a port
accepting, a row existing, a status reached) and fail with a message at the deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class ConditionTimeout(AssertionError):
    pass


class GaveUp(Exception):
    """Raised by a condition when waiting longer cannot help (a process exited)."""


def wait_until(
    condition: Callable[[], T | None], timeout: float, what: str, interval: float = 0.05
) -> T:
    """Return the first truthy value of `condition()`; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    last_error: Exception | None = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except GaveUp:
            raise
        except Exception as error:  # the condition may raise while the thing is not up yet
            last_error = error
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise ConditionTimeout(f"timed out after {timeout}s waiting for {what}{detail}")
        pause.wait(min(interval, max(deadline - time.monotonic(), 0)))
        interval = min(interval * 1.5, 0.5)
