"""Free TCP ports on loopback for the servers a test run starts."""

from __future__ import annotations

import random
import socket


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def free_port_below(limit: int, low: int = 20000) -> int:
    """A free port under `limit`, for a server that stores its port in a narrow column."""
    for port in random.sample(range(low, limit), 200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port between {low} and {limit}")
