"""The replay catches real mistakes: each test loads a changed copy of a workflow and
replays a committed history against it. The failure names the job type, file and event."""

from __future__ import annotations

from pathlib import Path

from tests.replay.mutations import changed_workflow, replay_with

ECHO_CALL = "        return await workflow.execute_activity(\n            echo_activity,"
FIND_DUE = "        due_by_account = await workflow.execute_activity_method("
MARK_REMINDED = (
    "            await workflow.execute_activity_method(\n"
    "                ReminderActivities.mark_reminded,"
)
TIMER = "        await workflow.sleep(timedelta(seconds=1))\n"


def test_an_unchanged_copy_replays(tmp_path: Path) -> None:
    copy = changed_workflow(tmp_path, "echo", "EchoWorkflow", [])
    outcome = replay_with(copy, "echo", "returned")
    assert outcome.ok, outcome.line()


def test_an_activity_added_before_an_existing_one_fails_the_replay(tmp_path: Path) -> None:
    added = (
        "        await workflow.execute_activity_method(\n"
        "            ReminderActivities.mark_reminded, [], "
        "start_to_close_timeout=timedelta(seconds=30)\n"
        "        )\n"
    )
    changed = changed_workflow(
        tmp_path, "reminders", "RemindersWorkflow", [(FIND_DUE, added + FIND_DUE)]
    )
    outcome = replay_with(changed, "reminders", "scheduled")
    print(outcome.line())
    assert not outcome.ok
    assert outcome.event == "event 5 (ACTIVITY_TASK_SCHEDULED find_due_tasks)"
    line = outcome.line()
    assert line.startswith("  FAIL  reminders tests/histories/reminders/scheduled.json (")
    assert "non-deterministic at event 5 (ACTIVITY_TASK_SCHEDULED find_due_tasks)" in line


def test_a_timer_added_before_the_first_activity_fails_the_replay(tmp_path: Path) -> None:
    changed = changed_workflow(tmp_path, "echo", "EchoWorkflow", [(ECHO_CALL, TIMER + ECHO_CALL)])
    outcome = replay_with(changed, "echo", "returned")
    print(outcome.line())
    assert not outcome.ok
    assert outcome.event == "event 5 (ACTIVITY_TASK_SCHEDULED echo)"
    assert "Timer machine does not handle this event" in (outcome.failure or "")


def test_a_timer_added_between_two_steps_fails_the_replay(tmp_path: Path) -> None:
    pause = "            await workflow.sleep(timedelta(minutes=5))\n"
    changed = changed_workflow(
        tmp_path, "reminders", "RemindersWorkflow", [(MARK_REMINDED, pause + MARK_REMINDED)]
    )
    outcome = replay_with(changed, "reminders", "scheduled")
    print(outcome.line())
    assert not outcome.ok
    assert outcome.event is not None and "ACTIVITY_TASK_SCHEDULED mark_reminded" in outcome.event


def test_a_patched_branch_keeps_old_histories_replaying(tmp_path: Path) -> None:
    guarded = '        if workflow.patched("echo-pause"):\n    ' + TIMER
    changed = changed_workflow(tmp_path, "echo", "EchoWorkflow", [(ECHO_CALL, guarded + ECHO_CALL)])
    outcome = replay_with(changed, "echo", "returned")
    assert outcome.ok, outcome.line()


def test_a_patched_branch_removed_too_early_fails_the_replay(tmp_path: Path) -> None:
    """The `if workflow.patched(...)` guard dropped while workflows started before the patch
    (these histories) may still run: the new code path meets the old history."""
    changed = changed_workflow(tmp_path, "echo", "EchoWorkflow", [(ECHO_CALL, TIMER + ECHO_CALL)])
    removed_guard = changed_workflow(
        tmp_path,
        "echo",
        "EchoWorkflow",
        [(ECHO_CALL, '        workflow.deprecate_patch("echo-pause")\n' + TIMER + ECHO_CALL)],
    )
    for workflow in (changed, removed_guard):
        outcome = replay_with(workflow, "echo", "returned")
        print(outcome.line())
        assert not outcome.ok
        assert outcome.event == "event 5 (ACTIVITY_TASK_SCHEDULED echo)"
