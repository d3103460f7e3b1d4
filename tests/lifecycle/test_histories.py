"""`envctl histories`: export recent closed histories from a real dev server (directly, and
through a port-forward), in files the replay reads; bad input and an unreachable Temporal
give one clear line."""

from __future__ import annotations

import asyncio
import stat
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from typer.testing import CliRunner

from app.settings import Settings
from app.temporal_client import connect_client
from app.worker.history_files import read_history
from app.worker.replay import replay_paths
from devstack.ports import free_port
from devstack.temporal_dev import TemporalDevServer
from envctl import cli

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("worker")


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(cli.app, ["histories", *args])
    return result.exit_code, result.output


def finished_echo(client: FlaskClient, auth: dict[str, str]) -> str:
    response = client.post(
        "/api/jobs", json={"type": "echo", "input": {"message": "export me"}}, headers=auth
    )
    job_id: str = response.get_json()["id"]
    done = client.get(f"/api/jobs/{job_id}?wait=30", headers=auth).get_json()
    assert done["status"] == "succeeded"
    return f"job-{job_id}"


def foreign_workflow_closed(settings: Settings, task_queue: str) -> None:
    """A run of a type that is not one of the app's jobs, terminated so that it is closed."""

    async def start_and_terminate() -> None:
        temporal = await connect_client(settings)
        handle = await temporal.start_workflow(
            "someone-elses-workflow", id=f"other-{uuid.uuid4().hex[:8]}", task_queue=task_queue
        )
        await handle.terminate("not ours")

    asyncio.run(start_and_terminate())


def test_exports_closed_runs_of_the_app_job_types_for_replay(
    client: FlaskClient,
    auth: dict[str, str],
    settings: Settings,
    temporal_server: TemporalDevServer,
    tmp_path: Path,
) -> None:
    workflow_id = finished_echo(client, auth)
    foreign_workflow_closed(settings, f"nobody-{uuid.uuid4().hex[:6]}")
    out = tmp_path / "exported"

    code, output = invoke(
        "permanent-preview",
        "--address",
        temporal_server.address,
        "--out",
        str(out),
        "--since",
        "1h",
    )

    print(output)
    assert code == 0, output
    assert "someone-elses-workflow x" in output
    [path] = (out / "echo").glob(f"{workflow_id}.*.json")
    saved = read_history(path)
    assert (saved.provenance.workflow_type, saved.provenance.source) == (
        "echo",
        "permanent-preview preview",
    )
    assert saved.provenance.commit == "unknown"  # the test worker is not versioned
    outcomes, unreadable = replay_paths([out])
    assert unreadable == [] and outcomes and all(outcome.ok for outcome in outcomes)


def test_exports_through_a_port_forward_to_the_temporal_service(
    client: FlaskClient,
    auth: dict[str, str],
    temporal_server: TemporalDevServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A kubectl stand-in that answers `port-forward` as kubectl does, then stays up; the
    "forwarded" port is the dev server's own."""
    workflow_id = finished_echo(client, auth)
    calls = tmp_path / "calls"
    kubectl = tmp_path / "kubectl"
    kubectl.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {calls}\n'
        f'echo "Forwarding from 127.0.0.1:{temporal_server.port} -> 7233"\n'
        "exec tail -f /dev/null\n"  # like kubectl: forward until terminated
    )
    kubectl.chmod(kubectl.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("KUBECTL", str(kubectl))

    code, output = invoke("preview", "--pr", "42", "--out", str(tmp_path / "out"), "--limit", "500")

    assert code == 0, output
    assert calls.read_text().split() == [
        "port-forward", "-n", "pr-42", "svc/temporal-server", ":7233", "--address", "127.0.0.1"
    ]  # fmt: skip
    assert list((tmp_path / "out" / "echo").glob(f"{workflow_id}.*.json"))


def test_a_failed_port_forward_names_the_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kubectl = tmp_path / "kubectl"
    kubectl.write_text(
        '#!/bin/sh\necho "error: services \\"temporal-server\\" not found" >&2\nexit 1\n'
    )
    kubectl.chmod(kubectl.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("KUBECTL", str(kubectl))

    code, output = invoke("permanent-preview", "--out", str(tmp_path / "out"))

    assert code == 1
    assert "cannot port-forward to temporal-server in preview" in output
    assert "not found" in output and "--address" in output


def test_an_unreachable_temporal_is_one_line(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    code, output = invoke("production", "--address", address, "--out", str(tmp_path / "out"))
    assert code == 1
    assert f"envctl histories: cannot reach Temporal at {address}" in output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--address", "no port"], "invalid --address: expected HOST:PORT"),
        (["--address", "h:99999"], "invalid --address: expected HOST:PORT"),
        (["--since", "soon"], "invalid --since"),
        (["--temporal-namespace", "bad/ns"], "invalid --temporal-namespace"),
    ],
)
def test_bad_flags_name_the_field(tmp_path: Path, args: list[str], message: str) -> None:
    code, output = invoke("permanent-preview", "--out", str(tmp_path / "out"), *args)
    assert code == 2
    assert message in output


def test_out_must_be_new_or_empty(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("x")
    code, output = invoke("permanent-preview", "--out", str(tmp_path), "--address", "h:1")
    assert code == 2
    assert "invalid --out: expected a new or empty directory" in output
