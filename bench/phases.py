"""Each benchmark phase's results written the moment it finishes, so a run never loses them.

A phase that raises is recorded as failed (its error in the results, its traceback in
`artifacts/bench/<phase>-failed.txt`) and the run goes on with the next one.
"""

from __future__ import annotations

import json
import os
import statistics
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.sampler import Sampler


class LoadSampler(Sampler):
    """The 1-minute load average every 5 s while a phase runs: the shared machine's noise."""

    def __init__(self) -> None:
        super().__init__(5)
        self.samples: list[float] = []

    def sample(self) -> None:
        self.samples.append(os.getloadavg()[0])

    def finish(self) -> None:
        self.sample()

    def summary(self) -> dict[str, float]:
        s = self.samples
        return {"min": min(s), "mean": statistics.fmean(s), "max": max(s)}


@dataclass
class Recorder:
    """The run's results, rewritten to `path` (and handed to `on_write`) after every phase."""

    path: Path
    results: dict[str, Any]
    on_write: Callable[[dict[str, Any]], None] = lambda results: None
    failed: dict[str, str] = field(default_factory=dict)

    def phase(self, name: str, key: str, measure: Callable[[], Any]) -> bool:
        """Run one phase and store what it returned under `key`; False if it failed."""
        print(f"{name} ...", flush=True)
        started = time.perf_counter()
        with LoadSampler() as load:
            try:
                self.results[key] = measure()
            except Exception as error:  # recorded; the other phases still run
                self._failed(name, error)
        self.results.setdefault("load_1min", {})[name] = load.summary()
        seconds = self.results.setdefault("phase_seconds", {})
        seconds[name] = time.perf_counter() - started
        self.results["failed"] = self.failed
        self.write()
        return name not in self.failed

    def _failed(self, name: str, error: Exception) -> None:
        message = f"{type(error).__name__}: {error}".strip().splitlines()
        self.failed[name] = message[0]
        trace = self.path.parent / f"{name}-failed.txt"
        trace.write_text(traceback.format_exc(), encoding="utf-8")
        print(f"{name} FAILED: {self.failed[name]} (traceback in {trace})", flush=True)

    def write(self) -> None:
        partial = self.path.with_suffix(".json.partial")
        partial.write_text(json.dumps(self.results, indent=2) + "\n", encoding="utf-8")
        partial.replace(self.path)  # a reader never sees half a file
        self.on_write(self.results)
