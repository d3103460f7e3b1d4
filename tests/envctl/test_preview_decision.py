"""Which pull requests get a preview: the decision `cd` acts on, for each kind of event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from envctl import cli

ROOT = Path(__file__).resolve().parents[2]
REPO = {"full_name": "acme/app"}


def event(
    action: str,
    *,
    draft: bool = False,
    labels: tuple[str, ...] = (),
    author: str = "alice",
    label: str | None = None,
    fork: bool = False,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "action": action,
        "pull_request": {
            "number": 7,
            "state": "open",
            "draft": draft,
            "labels": [{"name": name} for name in labels],
            "user": {"login": author},
            "head": {"repo": {"full_name": "mallory/app"} if fork else REPO},
            "base": {"repo": REPO},
        },
    }
    if label is not None:
        body["label"] = {"name": label}
    return body


def run(body: dict[str, Any], tmp_path: Path, *extra: str) -> tuple[int, str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(body))
    output = tmp_path / "github_output"
    output.write_text("")
    result = CliRunner().invoke(
        cli.app,
        ["preview-decision", "--event", str(path), *extra],
        env={"GITHUB_EVENT_NAME": "pull_request", "GITHUB_OUTPUT": str(output)},
    )
    return result.exit_code, result.stdout, output.read_text()


CASES = [
    ("opened", {}, "deploy"),
    ("synchronize", {}, "deploy"),
    ("opened", {"draft": True}, "skip"),
    ("synchronize", {"draft": True}, "skip"),
    ("ready_for_review", {}, "deploy"),
    ("converted_to_draft", {"draft": True}, "destroy"),
    ("opened", {"labels": ("no-preview",)}, "skip"),
    ("labeled", {"labels": ("no-preview",), "label": "no-preview"}, "destroy"),
    ("unlabeled", {"label": "no-preview"}, "deploy"),
    ("labeled", {"labels": ("bug",), "label": "bug"}, "skip"),
    ("opened", {"author": "dependabot[bot]"}, "skip"),
    ("opened", {"author": "renovate[bot]"}, "skip"),
    ("labeled", {"author": "renovate[bot]", "labels": ("preview",), "label": "preview"}, "deploy"),
    ("opened", {"fork": True}, "skip"),
]


@pytest.mark.parametrize(("action", "changes", "expected"), CASES)
def test_each_event_gets_its_decision(
    action: str, changes: dict[str, Any], expected: str, tmp_path: Path
) -> None:
    code, out, output = run(event(action, **changes), tmp_path)
    assert code == 0, out
    assert f"action={expected}\n" in output
    assert out.startswith(f"{expected}: ")


def test_opt_in_mode_needs_the_preview_label(tmp_path: Path) -> None:
    config = tmp_path / "envctl.toml"
    text = (ROOT / "deploy/envctl.toml").read_text()
    config.write_text(text.replace('mode = "all"', 'mode = "opt-in"', 1))
    assert "action=skip" in run(event("opened"), tmp_path, "--config", str(config))[2]
    labelled = event("labeled", labels=("preview",), label="preview")
    assert "action=deploy" in run(labelled, tmp_path, "--config", str(config))[2]
    removed = event("unlabeled", label="preview")
    assert "action=destroy" in run(removed, tmp_path, "--config", str(config))[2]


def test_a_bad_event_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text("not json")
    result = CliRunner().invoke(cli.app, ["preview-decision", "--event", str(path)])
    assert result.exit_code == 2
    assert "--event: expected a GitHub event JSON file" in result.stderr


def test_cd_deploys_and_destroys_on_the_decision() -> None:
    document = yaml.safe_load((ROOT / ".github/workflows/cd.yml").read_text())
    types = set(document[True]["pull_request"]["types"])  # YAML 1.1 reads `on` as True
    assert {"ready_for_review", "converted_to_draft", "labeled", "unlabeled"} <= types
    jobs = document["jobs"]
    decide = jobs["decide"]
    assert any("envctl preview-decision" in s.get("run", "") for s in decide["steps"])
    assert jobs["deploy"]["needs"] == "decide"
    assert "needs.decide.outputs.action == 'deploy'" in jobs["deploy"]["if"]
    assert "needs.decide.outputs.action == 'destroy'" in jobs["destroy"]["if"]
    assert any("envctl destroy preview" in s.get("run", "") for s in jobs["destroy"]["steps"])
