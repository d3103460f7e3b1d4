"""Replay saved workflow histories against the current workflow code.

A worker deploy that changes a workflow's commands (an activity added, a timer changed, a
`workflow.patched` branch removed too early) makes running workflows fail on the new
workers. Replaying recorded histories finds that before the deploy does.

`python -m app.worker.replay PATH...` replays every history file under PATH (folders or
files), prints one line per history and exits 1 if any fails to replay.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from app.jobs.registry import REGISTRY
from app.temporal_client import DATA_CONVERTER
from app.worker.history_files import BadHistoryFile, SavedHistory, history_files, read_history
from app.worker.versioning import sandboxed_runner

# Core names the history event it could not match as "event <id>" or "HistoryEvent(id: <id>".
EVENT_ID = re.compile(r"(?:event|HistoryEvent\(id:)\s*(\d+)", re.IGNORECASE)
# ... or only by what it names: "Activity type of scheduled event 'x' does not match ...".
NAMED_EVENT = re.compile(r"of scheduled event '([^']+)'")
# The SDK wraps core's failure in a debug dump; its `message: "..."` is the part people read.
CORE_MESSAGE = re.compile(r'message: "((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class ReplayOutcome:
    path: Path
    workflow_type: str
    events: int
    failure: str | None = None
    event: str | None = None  # the history event the new code disagrees with, when known

    @property
    def ok(self) -> bool:
        return self.failure is None

    def line(self) -> str:
        shown = (
            self.path.relative_to(Path.cwd()) if self.path.is_relative_to(Path.cwd()) else self.path
        )
        where = f"{self.workflow_type} {shown} ({self.events} events)"
        if self.ok:
            return f"  ok    {where}"
        at = f" at {self.event}" if self.event else ""
        return f"  FAIL  {where}: non-deterministic{at}: {self.failure}"


def _named(event: dict[str, Any]) -> str | None:
    attributes: dict[str, Any] = next((v for k, v in event.items() if k.endswith("Attributes")), {})
    name = (
        attributes.get("activityType", {}).get("name")
        or attributes.get("workflowType", {}).get("name")
        or attributes.get("timerId")
        or attributes.get("markerName")
    )
    return str(name) if name else None


def describe_event(event: dict[str, Any]) -> str:
    """`event 5 (ACTIVITY_TASK_SCHEDULED echo)`: the id, the type, and what it names."""
    kind = str(event.get("eventType", "?")).removeprefix("EVENT_TYPE_")
    named = _named(event)
    return f"event {event.get('eventId')} ({kind}{' ' + named if named else ''})"


def _failed_event(saved: SavedHistory, failure: Exception) -> str | None:
    message = str(failure)
    by_id = EVENT_ID.search(message)
    by_name = NAMED_EVENT.search(message)
    for event in saved.events:
        if by_id and int(event.get("eventId", 0)) == int(by_id.group(1)):
            return describe_event(event)
        child = event.get("startChildWorkflowExecutionInitiatedEventAttributes", {})
        if not by_id and by_name and by_name.group(1) in (_named(event), child.get("workflowId")):
            return describe_event(event)
    return f"event {by_id.group(1)}" if by_id else None


def _one_line(failure: Exception) -> str:
    found = CORE_MESSAGE.search(str(failure))
    text = " ".join((found.group(1) if found else str(failure)).split())
    return text if len(text) <= 400 else text[:400] + "..."


async def replay_histories(
    saved: Sequence[SavedHistory], workflows: Sequence[type] | None = None
) -> list[ReplayOutcome]:
    """Replay each history with the worker's workflows and data converter."""
    replayer = Replayer(
        workflows=list(workflows if workflows is not None else REGISTRY.workflows()),
        data_converter=DATA_CONVERTER,
        workflow_runner=sandboxed_runner(),
    )
    by_run = {(s.history.workflow_id, s.history.run_id): s for s in saved}

    async def histories() -> AsyncIterator[WorkflowHistory]:
        for item in saved:
            yield item.history

    outcomes: list[ReplayOutcome] = []
    async with replayer.workflow_replay_iterator(histories()) as results:
        async for result in results:
            item = by_run[(result.history.workflow_id, result.history.run_id)]
            failure = result.replay_failure
            outcomes.append(
                ReplayOutcome(
                    path=item.path,
                    workflow_type=item.provenance.workflow_type,
                    events=len(item.history.events),
                    failure=_one_line(failure) if failure else None,
                    event=_failed_event(item, failure) if failure else None,
                )
            )
    return outcomes


def replay_paths(roots: Sequence[Path]) -> tuple[list[ReplayOutcome], list[str]]:
    """Replay every history file under `roots`; also return the files that could not be read."""
    saved: list[SavedHistory] = []
    unreadable: list[str] = []
    for path in history_files(*roots):
        try:
            saved.append(read_history(path))
        except BadHistoryFile as error:
            unreadable.append(str(error))
    outcomes = asyncio.run(replay_histories(saved)) if saved else []
    return outcomes, unreadable


def main(argv: Sequence[str] | None = None) -> int:
    roots = [Path(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    missing = [str(root) for root in roots if not root.exists()]
    if not roots or missing:
        print(f"usage: python -m app.worker.replay PATH...  (missing: {missing})", file=sys.stderr)
        return 2
    outcomes, unreadable = replay_paths(roots)
    for outcome in outcomes:
        print(outcome.line())
    for problem in unreadable:
        print(f"  FAIL  {problem}")
    failed = sum(not o.ok for o in outcomes) + len(unreadable)
    print(f"replayed {len(outcomes)} histories: {len(outcomes) - failed} ok, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
