"""`make review`'s "Workflow determinism" section: the committed histories and exported
ones, replayed on this code."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

from tests.replay.mutations import HISTORIES, ROOT


def review_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("review", ROOT / "scripts" / "review.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_section_replays_committed_and_exported_histories(tmp_path: Path) -> None:
    exported = tmp_path / "exported" / "echo"
    exported.mkdir(parents=True)
    (exported / "run.json").write_text((HISTORIES / "echo" / "returned.json").read_text())

    lines = review_script().determinism_section(tmp_path / "exported")

    text = "\n".join(lines)
    assert lines[0] == "## Workflow determinism"
    assert "1 histories exported from the permanent preview" in text
    assert "Every history replays on this code." in text
    count = len(list(HISTORIES.rglob("*.json"))) + 1
    assert f"replayed {count} histories: {count} ok, 0 failed" in text


def test_section_reports_a_history_the_code_no_longer_replays(tmp_path: Path) -> None:
    """An exported run whose activity the current code does not schedule."""
    document = json.loads((HISTORIES / "echo" / "returned.json").read_text())
    for event in document["events"]:
        scheduled = event.get("activityTaskScheduledEventAttributes")
        if scheduled:
            scheduled["activityType"]["name"] = "echo_v0"
    (tmp_path / "echo").mkdir()
    (tmp_path / "echo" / "old.json").write_text(json.dumps(document))

    text = "\n".join(review_script().determinism_section(tmp_path))

    assert "**Non-deterministic change**" in text
    assert "FAIL  echo" in text and "old.json" in text
    assert "ACTIVITY_TASK_SCHEDULED echo_v0" in text


def test_section_says_when_nothing_was_exported() -> None:
    text = "\n".join(review_script().determinism_section(None))
    assert "No histories were exported from the permanent preview" in text
    assert "Every history replays on this code." in text
