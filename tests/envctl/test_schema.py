"""Every rendered object passes kubernetes-validate --strict on each supported minor, offline."""

from __future__ import annotations

import copy

import pytest

from envctl.checks.schema import SUPPORTED_KUBERNETES_VERSIONS, schema_problems
from envctl.manifests.base import Manifest
from tests.envctl.conftest import find


def test_the_supported_range_is_1_30_to_1_34() -> None:
    assert SUPPORTED_KUBERNETES_VERSIONS == ("1.30", "1.31", "1.32", "1.33", "1.34")


@pytest.mark.parametrize("version", SUPPORTED_KUBERNETES_VERSIONS)
def test_every_variant_is_valid_on_each_supported_minor(
    version: str, rendered: dict[str, list[Manifest]]
) -> None:
    for variant, objects in rendered.items():
        assert schema_problems(objects, version) == [], variant


def test_an_unknown_field_fails_strict_validation(rendered: dict[str, list[Manifest]]) -> None:
    objects = copy.deepcopy(rendered["preview"])
    web = find(objects, "Deployment", "web")
    web["spec"]["template"]["spec"]["containers"][0]["livenessprobe"] = {}
    problems = schema_problems(objects, "1.34")
    assert len(problems) == 1 and problems[0].startswith(
        "Deployment/web: spec.template.spec.containers.0"
    )


def test_the_doppler_secret_is_checked_against_its_vendored_schema(
    rendered: dict[str, list[Manifest]],
) -> None:
    objects = copy.deepcopy(rendered["preview"])
    doppler = find(objects, "DopplerSecret", "app-secrets")
    doppler["spec"]["managedSecret"]["type"] = "Secret"
    doppler["spec"]["tokenSecretRef"] = {"name": "old-field-name"}
    problems = schema_problems(objects, "1.30")
    assert any("DopplerSecret/app-secrets: spec.managedSecret.type" in p for p in problems)
    assert any("'tokenSecretRef' was unexpected" in p for p in problems)


def test_a_kind_without_a_schema_fails_instead_of_being_skipped() -> None:
    unknown = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    assert schema_problems([unknown], "1.30") == ["Widget/w: no schema for example.com/v1 in 1.30"]
