"""Ports handed to test servers: never one an outgoing connection may take, never one twice."""

from __future__ import annotations

import socket

import pytest

from devstack.ports import ephemeral_range, free_port, free_port_below


def test_ports_are_outside_the_ephemeral_range_and_never_repeat() -> None:
    first, last = ephemeral_range()
    ports = [free_port() for _ in range(300)]
    assert len(set(ports)) == len(ports)
    assert not [p for p in ports if first <= p <= last]


def listening_outside_ephemeral() -> socket.socket:
    first, _ = ephemeral_range()
    for port in range(first - 1, 10000, -1):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        sock.listen()
        return sock
    raise AssertionError("no port to hold")


def test_a_port_in_use_is_never_handed_out() -> None:
    with listening_outside_ephemeral() as held:
        taken = held.getsockname()[1]
        # the only candidate in the range is the one already bound
        with pytest.raises(RuntimeError, match=f"between {taken} and {taken + 1}"):
            free_port_below(taken + 1, low=taken)
    assert free_port_below(taken + 1, low=taken) == taken  # free again once closed


def test_a_narrow_limit_is_kept() -> None:
    ports = [free_port_below(32768) for _ in range(50)]
    assert max(ports) < 32768
    for port in ports:  # each one binds
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", port))
