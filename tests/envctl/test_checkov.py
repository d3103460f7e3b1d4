"""checkov over every rendered variant: zero failed checks, and every skip carries its reason
on the object it concerns. checkov runs isolated (uv tool run), at the pinned version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envctl.checks.checkov import (
    CHECKOV_VERSION,
    CheckovError,
    checkov_command,
    parse_report,
    run_checkov,
)
from envctl.manifests.base import CHECKOV_SKIP_PREFIX, Manifest
from envctl.manifests.render import write_files


@pytest.fixture(scope="module")
def rendered_dir(
    rendered: dict[str, list[Manifest]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    root = tmp_path_factory.mktemp("checkov")
    for variant, objects in rendered.items():
        write_files(objects, root / variant)
    return root


def test_checkov_reports_zero_failed_checks(rendered_dir: Path) -> None:
    report = run_checkov(rendered_dir)
    assert report.version == CHECKOV_VERSION
    assert report.resource_count > 100
    assert report.parsing_errors == 0
    assert (report.failed, report.failures) == (0, [])
    assert report.passed > 1000


def test_every_skip_names_a_check_and_a_reason(rendered: dict[str, list[Manifest]]) -> None:
    skips = [
        value
        for objects in rendered.values()
        for item in objects
        for key, value in item["metadata"].get("annotations", {}).items()
        if key.startswith(CHECKOV_SKIP_PREFIX)
    ]
    assert skips
    for value in skips:
        check, _, reason = value.partition("=")
        assert check in {"CKV_K8S_35", "CKV_K8S_43"}, value
        assert len(reason.split()) >= 5, f"skip without a real reason: {value}"


def test_the_version_is_pinned_in_the_command() -> None:
    command = checkov_command(Path("manifests"))
    assert command[1:5] == ["tool", "run", "--from", f"checkov=={CHECKOV_VERSION}"]


def test_a_report_with_failures_lists_them() -> None:
    report = parse_report(
        json.dumps(
            {
                "check_type": "kubernetes",
                "results": {
                    "failed_checks": [
                        {
                            "check_id": "CKV_K8S_8",
                            "resource": "Deployment.pr-1.web",
                            "check_name": "Liveness Probe Should be Configured",
                        }
                    ]
                },
                "summary": {
                    "passed": 3,
                    "failed": 1,
                    "skipped": 0,
                    "parsing_errors": 0,
                    "resource_count": 1,
                    "checkov_version": "3.3.30",
                },
            }
        )
    )
    assert report.failures == ["CKV_K8S_8 Deployment.pr-1.web: Liveness Probe Should be Configured"]
    assert (
        report.summary == "Passed checks: 3, Failed checks: 1, Skipped checks: 0, Parsing errors: 0"
    )


def test_an_empty_scan_is_an_error_not_a_pass() -> None:
    with pytest.raises(CheckovError, match="no Kubernetes manifests"):
        parse_report(json.dumps({"passed": 0, "failed": 0}))
