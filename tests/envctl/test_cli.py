"""The CLI: output, files, exit codes, and one readable line for bad input."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from envctl import cli
from envctl.checks import validate
from envctl.checks.checkov import CheckovError, CheckovReport
from envctl.checks.validate import CheckResult
from envctl.cli import manifests as cli_manifests
from envctl.manifests.render import build_objects, to_yaml
from envctl.model.config import load_config
from envctl.model.environment import EnvironmentKind, build_environment

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli.app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_render_prints_the_environment_as_yaml() -> None:
    code, out, _ = invoke("render", "preview", "--pr", "123")
    assert code == 0
    expected = build_objects(build_environment(EnvironmentKind.PREVIEW, 123, load_config()))
    assert out == to_yaml(expected)


def test_render_flags_override_the_config() -> None:
    code, out, _ = invoke(
        "render",
        "preview",
        "--pr",
        "8",
        "--domain",
        "acme.dev",
        "--image",
        "reg.acme.dev/app:9f1",
        "--secrets-mode",
        "plain",
        "--deployed-at",
        "2025-03-01T08:00:00Z",
        "--tls-issuer",
        "",
    )
    assert code == 0
    objects = list(yaml.safe_load_all(out))
    hosts = {r["host"] for o in objects if o["kind"] == "Ingress" for r in o["spec"]["rules"]}
    assert hosts == {"pr-8.preview.acme.dev", "pr-8-temporal.preview.acme.dev"}
    assert "DopplerSecret" not in {o["kind"] for o in objects}
    namespace = objects[0]
    assert namespace["metadata"]["labels"]["envctl/deployed-at"] == "20250301T080000Z"
    assert namespace["metadata"]["annotations"]["envctl/image"] == "reg.acme.dev/app:9f1"
    assert all("annotations" not in o["metadata"] for o in objects if o["kind"] == "Ingress")


def test_render_out_writes_one_file_per_object(tmp_path: Path) -> None:
    code, _, err = invoke("render", "production", "--out", str(tmp_path / "manifests"))
    assert code == 0
    files = sorted((tmp_path / "manifests").iterdir())
    assert f"wrote {len(files)} files" in err
    assert files[0].name == "000-namespace-production.yaml"
    assert all(len(list(yaml.safe_load_all(f.read_text(encoding="utf-8")))) == 1 for f in files)


def test_render_out_refuses_a_directory_with_files(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text("x: 1\n", encoding="utf-8")
    code, out, err = invoke("render", "production", "--out", str(tmp_path))
    assert (code, out) == (2, "")
    assert "invalid --out: expected a new or empty directory" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["preview", "--pr", "0"], "invalid --pr: expected a positive integer"),
        (["preview", "--pr", "-3"], "invalid --pr: expected a positive integer"),
        (["preview", "--pr", "twelve"], "invalid --pr: expected a positive integer"),
        (["preview"], "invalid --pr: expected a pull-request number: ENV 'preview' needs --pr N"),
        (["production", "--pr", "4"], "invalid --pr: expected no --pr for ENV 'production'"),
        (["staging"], "invalid ENV: expected one of preview, permanent-preview, production"),
        (["preview", "--pr", "1", "--image", "app:latest"], "invalid --image: expected an image"),
        (
            ["preview", "--pr", "1", "--image", "ghcr.io/a/app"],
            "invalid --image: expected an image",
        ),
        (["preview", "--pr", "1", "--image", "app:1;reboot"], "invalid --image: expected an image"),
        (["preview", "--pr", "1", "--image", "app:1\nkind: x"], "invalid --image"),
        (["preview", "--pr", "1", "--domain", "exa mple.com"], "invalid --domain: expected a DNS"),
        (["preview", "--pr", "1", "--namespace-prefix", "Pr-"], "invalid --namespace-prefix"),
        (["preview", "--pr", "1", "--ingress-class", "Nginx!"], "invalid --ingress-class"),
        (["preview", "--pr", "1", "--secrets-mode", "vault"], "invalid --secrets-mode"),
        (["preview", "--pr", "1", "--deployed-at", "now"], "invalid --deployed-at"),
        (["preview", "--pr", "1", "--config", "/nonexistent.toml"], "configuration file not found"),
    ],
)
def test_bad_input_fails_before_rendering_with_one_line(args: list[str], message: str) -> None:
    code, out, err = invoke("render", *args)
    assert code == 2
    assert out == ""
    assert err.startswith("envctl: ") and message in err
    assert "Traceback" not in err


def test_address_prints_the_resolved_address_and_its_rule() -> None:
    code, out, _ = invoke("address", "preview", "--pr", "123")
    assert code == 0
    assert out.splitlines() == [
        "temporal-server.pr-123.svc.cluster.local:7233",
        "rule: preview-pr (preview of a pull request: its own namespace)",
        "container: web; TEMPORAL_SERVER_ADDRESS from the secret: unset",
    ]
    code, out, _ = invoke("address", "production")
    assert out.splitlines()[0] == "temporal-server.production.svc.cluster.local:7233"


def test_address_per_container_with_a_value_from_a_flag_or_the_environment() -> None:
    code, out, _ = invoke("address", "preview", "--pr", "7", "--container", "python-worker")
    assert code == 0
    assert out.splitlines()[:2] == [
        "127.0.0.1:7233",
        "rule: fallback (TEMPORAL_SERVER_ADDRESS unset: TEMPORAL_FALLBACK_ADDRESS, rendered by "
        "envctl for this container)",
    ]
    flag = ["--container", "python-worker", "--setting", "t.example:7233"]
    code, out, _ = invoke("address", "preview", "--pr", "7", *flag)
    assert out.splitlines()[:2] == [
        "t.example:7233",
        "rule: setting (TEMPORAL_SERVER_ADDRESS is set)",
    ]
    result = CliRunner().invoke(
        cli.app, ["address", "production"], env={"TEMPORAL_SERVER_ADDRESS": "e.example:7233"}
    )
    assert result.stdout.splitlines()[0] == "e.example:7233"
    code, out, err = invoke("address", "production", "--container", "temporal-ui")
    assert code == 2
    assert "--container: expected one of migrate, python-worker, web" in err


def test_validate_passes_and_prints_one_line_per_check() -> None:
    code, out, _ = invoke("validate", "permanent-preview", "--skip-checkov")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("envctl validate permanent-preview (namespace preview")
    assert any(line.startswith("ok    kubernetes-validate --strict 1.30") for line in lines)
    assert any(line.startswith("ok    isolation vs pr-1") for line in lines)
    assert lines[-1] == f"all {len(lines) - 2} checks passed"


def test_validate_runs_every_check_including_checkov() -> None:
    code, out, _ = invoke("validate", "preview", "--pr", "123")
    assert code == 0, out
    checkov_line = next(line for line in out.splitlines() if "checkov" in line)
    assert checkov_line.startswith("ok    checkov 3.3.30")
    assert "Failed checks: 0," in checkov_line
    assert out.splitlines()[-1] == "all 16 checks passed"


def test_checkov_that_cannot_run_is_a_failed_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(_: Path) -> CheckovReport:
        raise CheckovError("uv not found: run `make install`, put uv on PATH or set UV=/path/to/uv")

    monkeypatch.setattr(validate, "run_checkov", unavailable)
    code, out, _ = invoke("validate", "production")
    assert code == 1
    assert "FAIL  checkov 3.3.30" in out and "uv not found" in out


def test_validate_exits_non_zero_when_a_check_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*_: object, **__: object) -> Iterator[CheckResult]:
        yield CheckResult("render", "1 object")
        yield CheckResult("policy: real probes", "", ["Deployment/web web: no readinessProbe"])

    monkeypatch.setattr(cli_manifests, "run_checks", failing)
    code, out, _ = invoke("validate", "preview", "--pr", "3")
    assert code == 1
    assert "FAIL  policy: real probes" in out
    assert "      - Deployment/web web: no readinessProbe" in out
    assert out.splitlines()[-1] == "1 of 2 checks failed"


def test_the_installed_command_reports_bad_input_without_a_traceback() -> None:
    envctl = Path(sys.executable).with_name("envctl")
    completed = subprocess.run(
        [str(envctl), "render", "preview", "--pr", "abc"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip() == (
        "envctl: invalid --pr: expected a positive integer (1 to 1000000000), got 'abc'"
    )
