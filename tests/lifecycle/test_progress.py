"""Progress while waiting: a live block on a terminal, one line per change in CI."""

from __future__ import annotations

import io

import pytest

from envctl.cluster.progress import LiveProgress, PlainProgress, progress_for


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_ci_gets_one_plain_line_per_change(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    out = Terminal()
    progress = progress_for(out)
    assert isinstance(progress, PlainProgress)
    progress.update("deployment/web", "0 of 1 updated replicas are available")
    progress.update("deployment/web", "0 of 1 updated replicas are available")
    progress.finish("deployment/web", True, "successfully rolled out (3.0s)")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "\x1b" not in out.getvalue()
    assert lines[0].endswith("deployment/web: 0 of 1 updated replicas are available")
    assert lines[1].endswith("deployment/web: ok: successfully rolled out (3.0s)")


def test_a_pipe_gets_plain_lines_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert isinstance(progress_for(io.StringIO()), PlainProgress)


def test_a_terminal_gets_a_block_redrawn_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    out = Terminal()
    progress = progress_for(out)
    assert isinstance(progress, LiveProgress)
    progress.update("deployment/web", "waiting")
    progress.update("deployment/temporal", "waiting")
    progress.finish("deployment/web", False, "timed out")
    frames = out.getvalue()
    # Each redraw moves the cursor back over the previous block (2 rows + the elapsed line).
    assert "\x1b[F" * 3 in frames and frames.count("\x1b[2K") >= 5
    last = frames.rsplit("\x1b[F", 1)[-1]
    assert "deployment/web" in last and "FAILED  timed out" in last
