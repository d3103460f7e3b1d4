"""schemathesis against the real app's `/api/openapi.json`, over HTTP to gunicorn.

Three runs, authenticated and anonymous: zero server errors, zero responses outside
the documented schema (status codes, content types, headers, bodies), undocumented
methods answered 405. The summary goes to `artifacts/fuzz/`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.api import ApiClient
from devstack.processes import ROOT
from devstack.stack import Stack, process_env

pytestmark = pytest.mark.fuzz

ARTIFACTS = ROOT / "artifacts" / "fuzz"
SEED = 20261127


@pytest.fixture(scope="module")
def stack(
    base_env: dict[str, str], migrated: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    # Long polls end within 3 s: the fuzzer replays a page's version with `wait` (a real
    # wait, up to 30 s), and schemathesis gives up on a response after 10 s.
    env = process_env(base_env, JOB_WAIT_MAX_SECONDS="3")
    stack = Stack.start(env, tmp_path_factory.mktemp("fuzz"))
    yield stack
    stack.stop()


def schemathesis(stack: Stack, name: str, job_id: str, *options: str) -> dict[str, Any]:
    report = ARTIFACTS / f"{name}.json"
    command = [
        str(Path(sys.executable).parent / "st"),
        "--config-file",
        str(Path(__file__).with_name("schemathesis.toml")),
        "run",
        f"{stack.url}/api/openapi.json",
        "--seed",
        str(SEED),
        "--workers",
        "1",  # several workers trip a thread-safety bug in hypothesis (AST recursion)
        "--report",
        "json,ndjson",
        "--report-json-path",
        str(report),
        "--report-ndjson-path",
        str(ARTIFACTS / f"{name}.ndjson"),
        "--output-truncate",
        "false",
        *options,
    ]
    completed = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1", "FUZZ_JOB_ID": job_id},
        capture_output=True,
        text=True,
        timeout=900,  # against a hang only: each request has its own 10 s limit
    )
    (ARTIFACTS / f"{name}.txt").write_text(completed.stdout + completed.stderr, encoding="utf-8")
    summary: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    summary["output"] = completed.stdout[-6000:]
    return summary


# Three schemathesis runs take 5-10 minutes on 2 loaded cores: pytest's 300 s default
# timeout, not the app, is what ended the anonymous run before.
@pytest.mark.timeout(1800)
def test_fuzzing_finds_no_server_error_and_no_schema_violation(stack: Stack) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    api = ApiClient.sign_up(stack.url)
    logout = ApiClient.sign_up(stack.url)
    api.add_tasks(["fuzzed"])
    job = api.start_job("export", {})
    assert api.job(job["id"], wait=30)["status"] == "succeeded"
    runs = {
        "authenticated": schemathesis(
            stack,
            "authenticated",
            job["id"],
            "--max-examples",
            "40",
            "--header",
            f"Authorization: Bearer {api.http.headers['Authorization'].split()[1]}",
            "--exclude-path",
            "/api/auth/logout",
        ),
        "anonymous": schemathesis(stack, "anonymous", job["id"], "--max-examples", "25"),
        "logout": schemathesis(
            stack,
            "logout",
            job["id"],
            "--max-examples",
            "10",
            "--header",
            f"Authorization: Bearer {logout.http.headers['Authorization'].split()[1]}",
            "--include-path",
            "/api/auth/logout",
        ),
    }
    summary = {
        name: {
            "cases": run["test_cases"]["generated"],
            "with_failures": run["test_cases"]["with_failures"],
            "errored": run["test_cases"]["errored"],
            "operations_tested": run["operations"]["tested"],
            "checks": check_counts(ARTIFACTS / f"{name}.ndjson"),
            "failures": run["failures"],
            "errors": run["errors"],
            "exit_code": run["exit_code"],
        }
        for name, run in runs.items()
    }
    total = sum(s["cases"] for s in summary.values())
    (ARTIFACTS / "summary.json").write_text(
        json.dumps({"total_cases": total, "runs": summary}, indent=2) + "\n", encoding="utf-8"
    )
    (ARTIFACTS / "summary.md").write_text(markdown(summary), encoding="utf-8")
    print(markdown(summary))

    for name, run in runs.items():
        assert run["failures"] == [] and run["errors"] == [], f"{name}:\n{run['output']}"
        assert run["exit_code"] == 0, f"{name}:\n{run['output']}"
    assert total >= 1000
    assert httpx.get(f"{stack.url}/api/ready").status_code == 200


def check_counts(ndjson: Path) -> dict[str, dict[str, int]]:
    """How often each check ran and failed, from schemathesis' event stream."""
    counts: dict[str, dict[str, int]] = {}
    for line in ndjson.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        for results in finished["recorder"].get("checks", {}).values():
            for check in results:
                tally = counts.setdefault(check["name"], {"passed": 0, "failed": 0})
                tally["passed" if check["status"] == "success" else "failed"] += 1
    return counts


def markdown(summary: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| run | operations | generated cases | checks run | checks failed | failures | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, run in summary.items():
        checks = run["checks"].values()
        lines.append(
            f"| {name} | {run['operations_tested']} | {run['cases']} "
            f"| {sum(c['passed'] + c['failed'] for c in checks)} "
            f"| {sum(c['failed'] for c in checks)} | {len(run['failures'])} "
            f"| {len(run['errors'])} |"
        )
    total = sum(run["cases"] for run in summary.values())
    names = sorted({name for run in summary.values() for name in run["checks"]})
    lines += ["", f"{total} generated cases in total. Checks: {', '.join(names)}."]
    return "\n".join(lines) + "\n"
