"""The GitHub Actions workflows: schema-valid, zizmor-clean, pinned, least privilege,
and calling only `make` targets and `envctl` commands that exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONS = sorted((ROOT / ".github" / "actions").glob("*/action.yml"))
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def load(path: Path) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load(path.read_text())
    return document


def steps(path: Path) -> list[dict[str, Any]]:
    document = load(path)
    if "runs" in document:
        return list(document["runs"]["steps"])
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_the_seed_workflows_exist() -> None:
    names = {path.stem for path in WORKFLOWS}
    assert names == {
        "ci",
        "cd",
        "cd_production",
        "cd_permanent_preview",
        "cleanup_pr",
        "gc_previews",
    }
    assert set(load(ROOT / ".github/workflows/ci.yml")["jobs"]) == {
        "lint",
        "sonarqube",
        "review",
        "test",
    }


def test_workflows_match_the_github_schema() -> None:
    for schema, files in (
        ("vendor.github-workflows", WORKFLOWS),
        ("vendor.github-actions", ACTIONS),
    ):
        result = subprocess.run(
            [str(BIN / "check-jsonschema"), "--builtin-schema", schema, *map(str, files)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_at_medium_or_above() -> None:
    result = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--min-severity", "medium", str(ROOT / ".github")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=lambda p: p.parent.name + "/" + p.name)
def test_remote_actions_are_pinned_by_commit_sha(path: Path) -> None:
    for step in steps(path):
        uses = step.get("uses")
        if uses is None or uses.startswith("./"):
            continue
        assert PINNED.match(uses), f"{path.name}: {uses} is not pinned to a commit SHA"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_no_persisted_credentials(path: Path) -> None:
    document = load(path)
    assert document["permissions"] == {}, "start from no permissions at the top"
    for name, job in document["jobs"].items():
        assert "permissions" in job, f"{path.name}:{name} must declare its permissions"
        assert "write-all" not in str(job["permissions"])
    for step in steps(path):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=lambda p: p.parent.name + "/" + p.name)
def test_no_expression_is_interpolated_into_a_shell_script(path: Path) -> None:
    for step in steps(path):
        assert "${{" not in step.get("run", ""), f"{path.name}: pass values through env instead"


def test_cleanup_shares_the_deploy_concurrency_group() -> None:
    deploy = load(ROOT / ".github/workflows/cd.yml")["concurrency"]
    cleanup = load(ROOT / ".github/workflows/cleanup_pr.yml")["concurrency"]
    assert deploy["group"] == cleanup["group"]
    assert cleanup["cancel-in-progress"] is True


def test_production_goes_through_its_github_environment() -> None:
    job = load(ROOT / ".github/workflows/cd_production.yml")["jobs"]["deploy"]
    assert job["environment"]["name"] == "production"


def commands_called(prefix: str) -> set[str]:
    pattern = re.compile(rf"(?:^|[\s/]){re.escape(prefix)} ([a-z][\w-]*)")
    found: set[str] = set()
    for path in WORKFLOWS + ACTIONS:
        for step in steps(path):
            found.update(pattern.findall(step.get("run", "")))
    return found


def test_every_make_target_the_workflows_call_exists() -> None:
    targets = commands_called("make")
    assert {"install", "lint", "test", "kubeconfig", "review"} <= targets
    for target in targets:
        result = subprocess.run(
            ["make", "-n", target],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin"},
        )
        assert "No rule to make target" not in result.stderr, target


def test_every_envctl_command_the_workflows_call_exists() -> None:
    commands = commands_called("envctl")
    assert {"deploy", "destroy", "gc", "comment"} <= commands
    for command in commands:
        result = subprocess.run(
            [str(BIN / "envctl"), command, "--help"], capture_output=True, text=True
        )
        assert result.returncode == 0, f"envctl {command}: {result.stderr}"
