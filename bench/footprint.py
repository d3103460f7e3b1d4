"""Memory and CPU of each process tree under test, sampled with psutil."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TypeVar

import psutil

from bench.sampler import Sampler

T = TypeVar("T")


def _tree(pid: int, read: Callable[[psutil.Process], T]) -> list[T]:
    """`read` of a process and each of its children, skipping any that exited meanwhile."""
    process = psutil.Process(pid)
    values = []
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            values.append(read(member))
    return values


def rss_mib(pid: int) -> tuple[float, float]:
    """RSS and PSS of a process and all its children, in MiB."""
    infos = _tree(pid, lambda p: p.memory_full_info())
    return sum(i.rss for i in infos) / 2**20, sum(i.pss for i in infos) / 2**20


def peak_rss_mib(pid: int) -> float:
    """RSS alone, from /proc/<pid>/statm: a sample that costs the shared cores next to nothing
    (PSS reads every page mapping, `smaps`, milliseconds of CPU per process)."""
    return float(sum(_tree(pid, lambda p: p.memory_info().rss))) / 2**20


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far."""
    return float(sum(t.user + t.system for t in _tree(pid, lambda p: p.cpu_times())))


class RssSampler(Sampler):
    """The peak RSS of each process tree (every 0.2 s) while a run goes on, and the CPU time
    each spent over the run."""

    def __init__(self, pids: dict[str, int]) -> None:
        super().__init__(0.2)
        self.pids = pids
        self.peaks_mib: dict[str, float] = dict.fromkeys(pids, 0.0)
        self.cpu_start = {name: cpu_seconds(pid) for name, pid in pids.items()}
        self.cpu_used: dict[str, float] = {}

    def sample(self) -> None:
        for name, pid in self.pids.items():
            self.peaks_mib[name] = max(self.peaks_mib[name], peak_rss_mib(pid))

    def finish(self) -> None:
        self.cpu_used = {
            name: cpu_seconds(pid) - self.cpu_start[name] for name, pid in self.pids.items()
        }


def idle_footprint(pids: dict[str, int]) -> dict[str, dict[str, float]]:
    footprint = {}
    for name, pid in pids.items():
        rss, pss = rss_mib(pid)
        footprint[name] = {"rss_mib": rss, "pss_mib": pss}
    return footprint
