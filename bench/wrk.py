"""wrk, the HTTP load generator: its summary read into figures.

A request wrk gave up on (its socket timeout, 2 s by default) or that answered non-2xx is a
counted figure of the run, not a crash: one slow answer must not throw away the others.
"""

from __future__ import annotations

import re
import subprocess

RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
PERCENTILE = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
REQUESTS = re.compile(r"(\d+) requests in ")
SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
# Counts add up over rounds; the other figures are averaged.
COUNTS = ("requests", "timeouts", "socket_errors", "non_2xx")


class WrkFailed(RuntimeError):
    """wrk did not run to its end, or measured nothing to report."""


def parse(output: str) -> dict[str, float]:
    """The figures of one wrk summary (`--latency`): rate, p50/p99 and what went wrong."""
    rate = RATE.search(output)
    latency = {f"p{p}_ms": float(v) * UNITS_MS[u] for p, v, u in PERCENTILE.findall(output)}
    if rate is None or set(latency) != {"p50_ms", "p99_ms"}:
        raise WrkFailed(f"wrk printed no rate or latency distribution:\n{output}")
    requests = REQUESTS.search(output)
    errors = SOCKET_ERRORS.search(output)
    connect, read, write, timeout = (int(n) for n in errors.groups()) if errors else (0, 0, 0, 0)
    non_2xx = NON_2XX.search(output)
    return {
        "requests_per_s": float(rate.group(1)),
        **latency,
        "requests": float(requests.group(1)) if requests else 0.0,
        "timeouts": float(timeout),
        "socket_errors": float(connect + read + write),
        "non_2xx": float(non_2xx.group(1)) if non_2xx else 0.0,
    }


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    try:
        done = subprocess.run(
            [*command, url], capture_output=True, text=True, check=False, timeout=seconds + 60
        )
    except subprocess.TimeoutExpired as error:
        raise WrkFailed(f"wrk against {url} ran past {seconds + 60} s") from error
    if done.returncode != 0:
        raise WrkFailed(f"wrk against {url} exited {done.returncode}:\n{done.stderr}")
    return parse(done.stdout)


def trouble(figures: dict[str, float]) -> str:
    """`", 3 timeouts"`-style note of what a run counted besides clean answers, else ''."""
    parts = [
        f"{figures.get(key, 0):.0f} {label}"
        for key, label in (
            ("timeouts", "timeouts"),
            ("socket_errors", "socket errors"),
            ("non_2xx", "non-2xx"),
        )
        if figures.get(key, 0)
    ]
    return f" ({', '.join(parts)})" if parts else ""


def mean_of_rounds(rounds: list[dict[str, float]]) -> dict[str, float]:
    """Several rounds of one target as one: counts summed, rates and latencies averaged."""
    keys = set.intersection(*(set(r) for r in rounds))
    return {
        key: sum(r[key] for r in rounds)
        if key in COUNTS
        else sum(r[key] for r in rounds) / len(rounds)
        for key in sorted(keys)
    }
