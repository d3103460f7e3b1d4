"""Changed copies of a workflow module, loaded as real modules so the sandbox can import them."""

from __future__ import annotations

import asyncio
import importlib
import sys
import uuid
from pathlib import Path

from app.worker.history_files import read_history
from app.worker.replay import ReplayOutcome, replay_histories

ROOT = Path(__file__).resolve().parents[2]
HISTORIES = ROOT / "tests" / "histories"


def changed_workflow(
    folder: Path, module: str, class_name: str, edits: list[tuple[str, str]]
) -> type:
    """`app/jobs/<module>.py` with each `old` replaced by `new`, imported from `folder`.

    Each `old` must occur exactly once, so a rewrite of the workflow breaks this test
    loudly instead of letting a mutation silently miss."""
    source = (ROOT / "app" / "jobs" / f"{module}.py").read_text(encoding="utf-8")
    for old, new in edits:
        assert source.count(old) == 1, f"app/jobs/{module}.py no longer contains {old!r}"
        source = source.replace(old, new)
    name = f"changed_{module}_{uuid.uuid4().hex[:12]}"  # a new module each time: no cached import
    (folder / f"{name}.py").write_text(source, encoding="utf-8")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    workflow: type = getattr(importlib.import_module(name), class_name)
    return workflow


def replay_with(workflow: type, job: str, case: str) -> ReplayOutcome:
    """Replay one committed history against `workflow` (a changed copy)."""
    [outcome] = asyncio.run(
        replay_histories([read_history(HISTORIES / job / f"{case}.json")], [workflow])
    )
    return outcome
