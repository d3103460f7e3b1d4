"""Kubernetes probes, run the way the kubelet runs them, against a pod's published ports.

One attempt is `probe_once`: httpGet succeeds on a status in [200, 400), tcpSocket on a
connection, grpc on `grpc.health.v1.Health/Check` answering SERVING for the probe's `service`
(empty when the manifest names none, as in Kubernetes). Each attempt has the probe's
`timeoutSeconds`; attempts are `periodSeconds` apart, after `initialDelaySeconds`.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import httpx
from temporalio.service import ConnectConfig, ServiceClient

Probe = Mapping[str, Any]
# The kubelet's defaults for fields a probe leaves out.
DEFAULTS = {"periodSeconds": 10, "timeoutSeconds": 1, "failureThreshold": 3, "successThreshold": 1}


def setting(probe: Probe, key: str) -> int:
    return int(probe.get(key, DEFAULTS.get(key, 0)))


def resolve_port(port: int | str, container: Mapping[str, Any]) -> int:
    """A probe's port: a number, or the name of one of the container's ports."""
    if isinstance(port, int):
        return port
    for entry in container.get("ports", []):
        if entry.get("name") == port:
            return int(entry["containerPort"])
    raise ValueError(f"container {container['name']}: no port named {port!r}")


async def _grpc_serving(target: str, service: str, seconds: float) -> bool:
    client = await ServiceClient.connect(ConnectConfig(target_host=target, lazy=True))
    return await client.check_health(service=service, timeout=timedelta(seconds=seconds))


def probe_once(
    probe: Probe, container: Mapping[str, Any], host_port: Callable[[int], int]
) -> tuple[bool, str]:
    """One attempt; (passed, what was seen). `host_port` maps a container port to 127.0.0.1's."""
    timeout = float(setting(probe, "timeoutSeconds"))
    try:
        if "httpGet" in probe:
            action = probe["httpGet"]
            port = host_port(resolve_port(action["port"], container))
            url = f"http://127.0.0.1:{port}{action.get('path', '/')}"
            status = httpx.get(url, timeout=timeout).status_code
            return 200 <= status < 400, f"GET {action.get('path', '/')} -> {status}"
        if "tcpSocket" in probe:
            port = host_port(resolve_port(probe["tcpSocket"]["port"], container))
            with socket.create_connection(("127.0.0.1", port), timeout=timeout):
                return True, f"tcp {port} open"
        if "grpc" in probe:
            action = probe["grpc"]
            port = host_port(int(action["port"]))
            service = str(action.get("service", ""))
            serving = asyncio.run(_grpc_serving(f"127.0.0.1:{port}", service, timeout))
            return serving, f"grpc health {service!r} serving={serving}"
    # A refused or timed-out attempt is a failed probe, as for the kubelet.
    except Exception as error:
        return False, f"{type(error).__name__}: {error}"
    raise ValueError(f"container {container['name']}: unsupported probe {sorted(probe)}")


def wait_for_success(
    probe: Probe,
    container: Mapping[str, Any],
    host_port: Callable[[int], int],
    *,
    alive: Callable[[], bool],
    started: float,
    give_up_after_failures: bool,
) -> str:
    """Attempt every period until one passes. A startup probe gives up after failureThreshold
    failures (the kubelet then kills the container); readiness keeps trying while it lives."""
    pause = threading.Event()
    delay = setting(probe, "initialDelaySeconds") - (time.monotonic() - started)
    if delay > 0:
        pause.wait(delay)
    failures, last = 0, ""
    while alive():
        attempt = time.monotonic()
        passed, last = probe_once(probe, container, host_port)
        if passed:
            return last
        failures += 1
        if give_up_after_failures and failures >= setting(probe, "failureThreshold"):
            raise ProbeFailed(f"{container['name']}: {failures} failures, last {last}")
        pause.wait(max(setting(probe, "periodSeconds") - (time.monotonic() - attempt), 0))
    raise ProbeFailed(f"{container['name']}: exited while probing (last {last or 'no attempt'})")


class ProbeFailed(AssertionError):
    pass
