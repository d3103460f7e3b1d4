"""`kubectl port-forward` to a Service, for the commands that talk to an environment's
ClusterIP-only Temporal frontend from outside the cluster."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from envctl.cluster.kubectl import Kubectl, KubectlError

FORWARDING = re.compile(r"Forwarding from 127\.0\.0\.1:(\d+)")


@contextmanager
def port_forward(
    kubectl: Kubectl, namespace: str, service: str, port: int, timeout: float = 30
) -> Iterator[str]:
    """Yield `127.0.0.1:<local port>` forwarded to `service:port` until the block ends."""
    args = ["port-forward", "-n", namespace, f"svc/{service}", f":{port}", "--address", "127.0.0.1"]
    process = kubectl.spawn(*args)
    killer = threading.Timer(timeout, process.kill)  # no "Forwarding" line in time: give up
    killer.start()
    try:
        address = None
        for line in process.stdout or []:
            found = FORWARDING.search(line)
            if found:
                address = f"127.0.0.1:{found.group(1)}"
                break
        killer.cancel()
        if address is None:
            process.wait()
            stderr = process.stderr.read() if process.stderr else ""
            raise KubectlError(args, process.returncode or 1, stderr or "no port was forwarded")
        yield address
    finally:
        killer.cancel()
        process.terminate()
        process.wait()
