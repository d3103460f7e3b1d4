"""py-spy over the gunicorn workers, and the in-request stacks of what it recorded."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


def record(pid: int, seconds: int, output: Path) -> subprocess.Popen[bytes]:
    """Start sampling `pid` and its children, idle threads included (so waits show)."""
    command = [str(Path(sys.executable).parent / "py-spy"), "record", "--format", "raw"]
    command += ["--output", str(output), "--duration", str(seconds), "--rate", "250", "--idle"]
    command += ["--nonblocking", "--subprocesses", "--pid", str(pid)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def request_stacks(raw: Path) -> Iterator[tuple[str, int]]:
    """Each recorded stack taken inside a request (under Flask's `wsgi_app`), with its count."""
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if count_text.isdigit() and "wsgi_app" in stack:
            yield stack, int(count_text)
