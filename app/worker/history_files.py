"""Workflow histories saved as JSON files: what `make histories` records, what
`envctl histories` exports from a live environment, and what the replay reads.

A file is Temporal's own history JSON (`{"events": [...]}`, as the CLI and UI write it)
with one more key, `recorded`: where the history came from (commit, environment, time).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from temporalio.client import WorkflowHistory


class Provenance(BaseModel):
    """Where a saved history came from."""

    workflow_type: str
    workflow_id: str
    run_id: str
    source: str  # `make histories`, or the environment it was exported from
    commit: str  # the code that ran it: the commit recorded from, or the environment's image
    recorded_at: str


@dataclass(frozen=True)
class SavedHistory:
    path: Path
    provenance: Provenance
    history: WorkflowHistory

    @property
    def events(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = json.loads(self.history.to_json())["events"]
        return events


class BadHistoryFile(Exception):
    """A file that is not a saved history; the message names the file and what is wrong."""


def write_history(path: Path, provenance: Provenance, history: WorkflowHistory) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"recorded": provenance.model_dump(), **history.to_json_dict()}
    path.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def read_history(path: Path) -> SavedHistory:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        provenance = Provenance.model_validate(document["recorded"])
        history = WorkflowHistory.from_json(provenance.workflow_id, {"events": document["events"]})
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BadHistoryFile(f"{path}: not a saved workflow history ({error})") from None
    return SavedHistory(path, provenance, history)


def history_files(*roots: Path) -> list[Path]:
    """Every `*.json` under the given folders (or the files themselves), sorted."""
    found: list[Path] = []
    for root in roots:
        found += [root] if root.is_file() else sorted(root.rglob("*.json"))
    return found
