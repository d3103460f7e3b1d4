"""The machine and the versions a run measured on, for the page's header."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import gunicorn
import psutil
import temporalio


def _first_line(command: list[str]) -> str:
    output = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    return (output.strip().splitlines() or ["?"])[0]


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "cores": str(os.cpu_count()),
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "cpu": cpu,
        "kernel": os.uname().release,
        "python": sys.version.split()[0],
        "temporalio": temporalio.__version__,
        "temporal_cli": _first_line([str(Path(sys.executable).parent / "temporal"), "--version"]),
        "gunicorn": gunicorn.__version__,
        "wrk": _first_line(["wrk", "--version"]),
    }
