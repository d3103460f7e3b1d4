"""Progress while waiting: a live, redrawn block on a terminal; plain lines in CI or a pipe.

CI logs (GitHub Actions sets CI=true) get one line per change of status, so the log reads as
a history; a terminal gets one line per item, rewritten in place.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Protocol, TextIO


class Progress(Protocol):
    def update(self, name: str, status: str) -> None: ...

    def finish(self, name: str, ok: bool, status: str) -> None: ...

    def close(self) -> None: ...


def is_live(stream: TextIO) -> bool:
    ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    return stream.isatty() and not ci and os.environ.get("TERM") != "dumb"


class PlainProgress:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.last: dict[str, str] = {}
        self.lock = threading.Lock()

    def _line(self, name: str, text: str) -> None:
        with self.lock:
            if self.last.get(name) == text:
                return
            self.last[name] = text
            elapsed = time.monotonic() - self.started
            self.stream.write(f"  [{elapsed:6.1f}s] {name}: {text}\n")
            self.stream.flush()

    def update(self, name: str, status: str) -> None:
        self._line(name, status)

    def finish(self, name: str, ok: bool, status: str) -> None:
        self._line(name, ("ok: " if ok else "FAILED: ") + status)

    def close(self) -> None:
        return None


class LiveProgress:
    """One line per item, redrawn in place with ANSI cursor movement."""

    SPINNER = "|/-\\"

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.rows: dict[str, str] = {}
        self.drawn = 0
        self.ticks = 0
        self.lock = threading.Lock()

    def _draw(self) -> None:
        width = 100
        self.ticks += 1
        lines = [
            f"  {self.SPINNER[self.ticks % 4] if not text.startswith(('ok', 'FAILED')) else ' '} "
            f"{name:<22} {text}"[:width]
            for name, text in self.rows.items()
        ]
        elapsed = f"  {time.monotonic() - self.started:.0f}s elapsed"
        out = "\x1b[F" * self.drawn + "".join(f"\x1b[2K{line}\n" for line in [*lines, elapsed])
        self.drawn = len(lines) + 1
        self.stream.write(out)
        self.stream.flush()

    def update(self, name: str, status: str) -> None:
        with self.lock:
            self.rows[name] = status
            self._draw()

    def finish(self, name: str, ok: bool, status: str) -> None:
        self.update(name, ("ok  " if ok else "FAILED  ") + status)

    def close(self) -> None:
        with self.lock:
            if self.rows:
                self._draw()


def progress_for(stream: TextIO) -> Progress:
    return LiveProgress(stream) if is_live(stream) else PlainProgress(stream)
