"""ci/sonarqube: a project file whose paths exist and whose reports `make test` writes, and a job
that is skipped with a notice while no SONAR_TOKEN exists."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def properties() -> dict[str, str]:
    text = (ROOT / "sonar-project.properties").read_text()
    pairs = (line.split("=", 1) for line in text.splitlines() if line and line[0] != "#")
    return {key.strip(): value.strip() for key, value in pairs}


def test_the_project_file_names_the_key_sources_tests_and_both_coverage_reports() -> None:
    found = properties()
    assert found["sonar.projectKey"]
    for key in ("sonar.sources", "sonar.tests"):
        for path in found[key].split(","):
            assert (ROOT / path).exists(), f"{key}: {path} does not exist"
    assert "migrations" in found["sonar.exclusions"]
    makefile = (ROOT / "Makefile").read_text()
    assert f"--cov-report=xml:{found['sonar.python.coverage.reportPaths']}" in makefile
    lcov = found["sonar.javascript.lcov.reportPaths"]
    assert lcov == "frontend/coverage/lcov.info"
    assert re.search(r"vitest run --coverage\b.*lcov", makefile), "no make target writes lcov"
    job = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())["jobs"]["sonarqube"]
    assert any(step.get("run") == "make coverage-frontend" for step in job["steps"])


def test_without_a_token_the_job_only_leaves_a_notice() -> None:
    job = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())["jobs"]["sonarqube"]
    first, *rest = job["steps"]
    assert first["if"] == "env.SONAR_TOKEN == ''" and "::notice::" in first["run"]
    assert all(step.get("if") == "env.SONAR_TOKEN != ''" for step in rest)
    assert any(step.get("uses", "").startswith("SonarSource/") for step in rest)
