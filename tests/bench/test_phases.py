"""A benchmark run writes each phase as it ends; a failing phase is recorded, not fatal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.phases import Recorder


def test_a_failed_phase_is_reported_and_the_others_are_written(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    seen: list[set[str]] = []
    recorder = Recorder(path, {"asked": ["a", "b", "c"]}, lambda r: seen.append(set(r)))

    def broken() -> Any:
        raise RuntimeError("wrk exited 1\nsecond line")

    assert recorder.phase("a", "first", lambda: {"ratio": 1.0})
    on_disk_after_a = json.loads(path.read_text(encoding="utf-8"))
    assert not recorder.phase("b", "second", broken)
    assert recorder.phase("c", "third", lambda: {"ratio": 2.0})

    written = json.loads(path.read_text(encoding="utf-8"))
    assert on_disk_after_a["first"] == {"ratio": 1.0}
    assert written["first"] == {"ratio": 1.0} and written["third"] == {"ratio": 2.0}
    assert "second" not in written
    assert written["failed"] == {"b": "RuntimeError: wrk exited 1"}
    assert "wrk exited 1" in (tmp_path / "b-failed.txt").read_text(encoding="utf-8")
    assert set(written["load_1min"]) == {"a", "b", "c"}
    assert [("first" in s, "third" in s) for s in seen] == [(True, False)] * 2 + [(True, True)]
