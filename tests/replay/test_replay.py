"""Every committed history replays against the current workflows, with the worker's data
converter; every job type has histories; each file says where it came from."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from app.jobs.registry import REGISTRY
from app.worker.history_files import history_files, read_history
from app.worker.replay import main, replay_histories
from tests.replay.mutations import HISTORIES, ROOT

FILES = history_files(HISTORIES)
COMMIT = re.compile(r"^[0-9a-f]{40}(-dirty)?$")


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(HISTORIES)) for p in FILES])
def test_recorded_history_replays_on_the_current_workflows(path: Path) -> None:
    saved = read_history(path)
    [outcome] = asyncio.run(replay_histories([saved]))
    assert outcome.ok, outcome.line()


@pytest.mark.parametrize("job_type", REGISTRY.names)
def test_every_job_type_has_recorded_histories(job_type: str) -> None:
    found = history_files(HISTORIES / job_type) if (HISTORIES / job_type).is_dir() else []
    assert found, (
        f"job type {job_type!r} has no recorded histories in tests/histories/{job_type}/: "
        "add its cases to tests/replay/record_histories.py and run `make histories`"
    )


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(HISTORIES)) for p in FILES])
def test_history_file_notes_its_commit_and_job_type(path: Path) -> None:
    provenance = read_history(path).provenance
    assert COMMIT.match(provenance.commit), provenance.commit
    assert provenance.workflow_type == path.parent.name
    assert provenance.source == "make histories"


def test_replay_command_reports_each_history(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(HISTORIES)]) == 0
    out = capsys.readouterr().out
    assert f"replayed {len(FILES)} histories: {len(FILES)} ok, 0 failed" in out
    assert "ok    echo tests/histories/echo/returned.json" in out


def test_replay_command_fails_on_a_file_that_is_not_a_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.json").write_text('{"events": []}')
    assert main([str(tmp_path)]) == 1
    assert "broken.json: not a saved workflow history" in capsys.readouterr().out


def test_replay_command_needs_existing_paths(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(ROOT / "no-such-folder")]) == 2
    assert "no-such-folder" in capsys.readouterr().err
