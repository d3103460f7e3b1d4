"""checkov over rendered manifests, run in its own environment so its many pinned dependencies
never enter the project's lock: `uv tool run --from checkov==CHECKOV_VERSION checkov ...`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

CHECKOV_VERSION = "3.3.30"
# `make` installs uv here; the developer machines also have it on PATH.
REPO_UV = Path(__file__).resolve().parents[2] / ".tools" / "uv" / "bin" / "uv"
TIMEOUT_SECONDS = 600


class CheckovError(Exception):
    """uv, or checkov through it, could not be run."""


@dataclass(frozen=True)
class CheckovReport:
    passed: int
    failed: int
    skipped: int
    parsing_errors: int
    resource_count: int
    version: str
    failures: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return (
            f"Passed checks: {self.passed}, Failed checks: {self.failed}, "
            f"Skipped checks: {self.skipped}, Parsing errors: {self.parsing_errors}"
        )


def find_uv() -> str:
    candidate = os.environ.get("UV") or shutil.which("uv")
    if candidate:
        return candidate
    if REPO_UV.is_file():
        return str(REPO_UV)
    raise CheckovError("uv not found: run `make install`, put uv on PATH or set UV=/path/to/uv")


def checkov_command(directory: Path) -> list[str]:
    return [
        find_uv(),
        "tool",
        "run",
        "--from",
        f"checkov=={CHECKOV_VERSION}",
        "checkov",
        "--directory",
        str(directory),
        "--framework",
        "kubernetes",
        "--output",
        "json",
        "--compact",
        "--skip-download",
    ]


def parse_report(text: str) -> CheckovReport:
    data = json.loads(text)
    reports = data if isinstance(data, list) else [data]
    if not reports or "summary" not in reports[0]:
        # checkov prints an empty summary object when it found nothing to scan
        raise CheckovError("checkov found no Kubernetes manifests to scan")
    totals = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0}
    failures = []
    version = ""
    for report in reports:
        summary = report["summary"]
        version = summary.get("checkov_version", version)
        for key in totals:
            totals[key] += int(summary.get(key, 0))
        for check in report.get("results", {}).get("failed_checks", []):
            failures.append(f"{check['check_id']} {check['resource']}: {check['check_name']}")
    return CheckovReport(
        passed=totals["passed"],
        failed=totals["failed"],
        skipped=totals["skipped"],
        parsing_errors=totals["parsing_errors"],
        resource_count=totals["resource_count"],
        version=version,
        failures=failures,
    )


def run_checkov(directory: Path) -> CheckovReport:
    try:
        completed = subprocess.run(  # noqa: S603
            checkov_command(directory),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CheckovError(f"could not run checkov: {error}") from None
    # checkov exits 1 when a check failed; anything unparsable is a tool failure
    try:
        return parse_report(completed.stdout)
    except (json.JSONDecodeError, KeyError, TypeError):
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-5:]
        raise CheckovError(
            f"checkov {CHECKOV_VERSION} failed (exit {completed.returncode}): " + " | ".join(tail)
        ) from None
