"""Free TCP ports on loopback for the servers a test run starts.

A port is chosen by binding it, and the server binds it again later. Two things can take it in
between, and both are ruled out here:
- an outgoing connection, whose local port the kernel picks from its ephemeral range: ports
  come from outside that range;
- another server of the same run, handed the same port before either had bound it: a process
  never hands out a port twice.
"""

from __future__ import annotations

import functools
import random
import socket
import threading
from pathlib import Path

LOWEST = 10000
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
DEFAULT_EPHEMERAL = (32768, 60999)  # Linux's default

_handed_out: set[int] = set()
_lock = threading.Lock()


def ephemeral_range() -> tuple[int, int]:
    try:
        low, high = (int(part) for part in EPHEMERAL_RANGE.read_text().split())
    except (OSError, ValueError):
        return DEFAULT_EPHEMERAL
    return low, high


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@functools.cache
def _candidates(low: int, limit: int) -> list[int]:
    first, last = ephemeral_range()
    return [port for port in range(low, limit) if not first <= port <= last]


def free_port_below(limit: int = 65536, low: int = LOWEST) -> int:
    """A free port in [low, limit), outside the ephemeral range and new to this process. A
    `limit` is for a server that stores its port in a narrow column."""
    candidates = _candidates(low, limit)
    with _lock:
        for port in random.sample(candidates, min(200, len(candidates))):
            if port not in _handed_out and _bindable(port):
                _handed_out.add(port)
                return port
    first, last = ephemeral_range()
    raise RuntimeError(
        f"no free port between {low} and {limit} outside the ephemeral range {first}-{last}"
    )


def free_port() -> int:
    return free_port_below()
