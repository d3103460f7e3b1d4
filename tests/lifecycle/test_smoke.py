"""`envctl smoke` against a real stack: gunicorn + the worker process + a Temporal dev server
serving its Web UI, on the test PostgreSQL. No part of the app is faked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from devstack.ports import free_port
from devstack.processes import WebProcess
from devstack.stack import Stack, process_env
from devstack.temporal_dev import TemporalDevServer
from envctl import cli
from envctl.commands.smoke import SmokeFailed, smoke_test

COMMIT = "5e1f00d"


@pytest.fixture(scope="module")
def temporal_with_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemporalDevServer]:
    server = TemporalDevServer(tmp_path_factory.mktemp("temporal-ui"), ui_port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack_env(
    base_env: dict[str, str], migrated: None, temporal_with_ui: TemporalDevServer
) -> dict[str, str]:
    return process_env(
        base_env,
        TEMPORAL_SERVER_ADDRESS=temporal_with_ui.address,
        TEMPORAL_UI_URL=temporal_with_ui.ui_url,
        GIT_COMMIT=COMMIT,
    )


@pytest.fixture(scope="module")
def stack(stack_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack.start(stack_env, tmp_path_factory.mktemp("smoke-stack"))
    yield running
    running.stop()


def test_smoke_passes_against_a_real_stack(
    stack: Stack, temporal_with_ui: TemporalDevServer
) -> None:
    lines: list[str] = []
    result = smoke_test(
        stack.url,
        temporal_with_ui.ui_url,
        timeout_seconds=60,
        expect_commit=COMMIT,
        run_job=True,
        say=lines.append,
    )
    assert [check.name for check in result.checks] == [
        "GET /api/ready",
        "GET /api/env commit",
        "echo job",
        "Temporal UI",
    ]
    assert "came back through the worker" in result.checks[2].detail
    print("\n" + "\n".join(lines))


def test_the_smoke_command_exits_0_against_a_real_stack(
    stack: Stack, temporal_with_ui: TemporalDevServer
) -> None:
    result = CliRunner().invoke(
        cli.app,
        [
            "smoke",
            "--url",
            stack.url,
            "--temporal-ui-url",
            temporal_with_ui.ui_url,
            "--timeout",
            "60",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "smoke test passed: 3 checks" in result.stdout


def test_without_a_worker_the_echo_job_never_comes_back(
    stack_env: dict[str, str], tmp_path: Path
) -> None:
    env = process_env(stack_env)  # a task queue no worker polls
    web = WebProcess.create(env, tmp_path)
    web.start()
    try:
        web.wait_healthy()
        with pytest.raises(
            SmokeFailed, match=r"echo job: no success before the deadline; last: job \S+ is queued"
        ):
            smoke_test(web.url, None, timeout_seconds=3, run_job=True, say=lambda _: None)
    finally:
        web.stop()


def test_a_commit_that_is_not_serving_fails_the_smoke_test(stack: Stack) -> None:
    with pytest.raises(SmokeFailed, match="serving commit '5e1f00d', waiting for 'abc1234'"):
        smoke_test(stack.url, None, timeout_seconds=2, expect_commit="abc1234", say=lambda _: None)


def test_nothing_listening_fails_at_readiness_with_the_last_error() -> None:
    with pytest.raises(
        SmokeFailed, match=r"GET /api/ready: no success before the deadline; last: .*"
    ):
        smoke_test(f"http://127.0.0.1:{free_port()}", None, timeout_seconds=1.5, say=lambda _: None)


def test_the_smoke_command_refuses_a_url_that_is_not_http() -> None:
    result = CliRunner().invoke(cli.app, ["smoke", "--url", "ftp://web:21"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "envctl: invalid --url: expected an http:// or https:// URL, got 'ftp://web:21'"
    )
