"""A background thread that samples something every few seconds while a run goes on."""

from __future__ import annotations

import threading
import time
from typing import Self


class Sampler:
    """Calls `sample()` at once and every `interval` s until the `with` block ends, then
    `finish()`."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.own_cpu_seconds = 0.0  # the sampling thread's own CPU, once it has stopped

    def sample(self) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """What to take once the run is over."""

    def _run(self) -> None:
        self.sample()
        while not self._stop.wait(self.interval):
            self.sample()
        self.own_cpu_seconds = time.thread_time()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.finish()
