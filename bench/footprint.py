"""Memory and CPU of each process tree under test, sampled with psutil."""

from __future__ import annotations

import threading

import psutil


def rss_mib(pid: int) -> tuple[float, float]:
    """RSS and PSS of a process and all its children, in MiB."""
    process = psutil.Process(pid)
    rss = pss = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            info = member.memory_full_info()
        except psutil.NoSuchProcess:
            continue
        rss += info.rss
        pss += info.pss
    return rss / 2**20, pss / 2**20


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far."""
    process = psutil.Process(pid)
    total = 0.0
    for member in [process, *process.children(recursive=True)]:
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


class RssSampler:
    """Samples the RSS of each process tree every 0.2 s while a run goes on, and the CPU
    time each spent over the run."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.peaks_mib: dict[str, float] = dict.fromkeys(pids, 0.0)
        self.cpu_start = {name: cpu_seconds(pid) for name, pid in pids.items()}
        self.cpu_used: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                self.peaks_mib[name] = max(self.peaks_mib[name], rss_mib(pid)[0])
            self._stop.wait(0.2)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu_used = {
            name: cpu_seconds(pid) - self.cpu_start[name] for name, pid in self.pids.items()
        }


def idle_footprint(pids: dict[str, int]) -> dict[str, dict[str, float]]:
    footprint = {}
    for name, pid in pids.items():
        rss, pss = rss_mib(pid)
        footprint[name] = {"rss_mib": rss, "pss_mib": pss}
    return footprint
