"""Render is deterministic, ordered for apply, and matches the reviewed golden files.

Regenerate the golden files after an intended change, then review the diff:
    UPDATE_GOLDEN=1 .venv/bin/pytest tests/envctl/test_render.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from envctl.manifests.base import Manifest
from envctl.manifests.kinds import kind, order
from envctl.manifests.render import build_objects, to_yaml, write_files
from envctl.model.config import Config
from envctl.model.environment import EnvironmentKind
from tests.envctl.conftest import KINDS, environment

GOLDEN = Path(__file__).parent / "golden"


def golden_name(kind: EnvironmentKind, pr: int | None) -> str:
    return f"{kind.value}{'-' + str(pr) if pr else ''}.yaml"


@pytest.mark.parametrize(("kind", "pr"), KINDS)
def test_rendered_output_matches_the_golden_file(
    kind: EnvironmentKind, pr: int | None, config: Config
) -> None:
    text = to_yaml(build_objects(environment(kind, pr, config)))
    path = GOLDEN / golden_name(kind, pr)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path} missing: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert text == path.read_text(encoding="utf-8"), (
        f"render of {kind.value} changed; if intended, regenerate with UPDATE_GOLDEN=1 and review"
    )


@pytest.mark.parametrize(("kind", "pr"), KINDS)
def test_the_same_inputs_render_the_same_bytes(
    kind: EnvironmentKind, pr: int | None, config: Config
) -> None:
    first = to_yaml(build_objects(environment(kind, pr, config)))
    second = to_yaml(build_objects(environment(kind, pr, config)))
    assert first == second


def test_the_yaml_reads_back_as_the_data_without_anchors(
    rendered: dict[str, list[Manifest]],
) -> None:
    for objects in rendered.values():
        text = to_yaml(objects)
        assert "&id" not in text and "*id" not in text
        assert list(yaml.safe_load_all(text)) == objects


def test_objects_come_in_apply_order(rendered: dict[str, list[Manifest]]) -> None:
    for objects in rendered.values():
        positions = [(order(o["kind"]), o["metadata"]["name"]) for o in objects]
        assert positions == sorted(positions)
        assert all(kind(o["kind"]).phase != "read" for o in objects)
        assert objects[0]["kind"] == "Namespace"
        if any(o["kind"] == "Job" for o in objects):
            first_job = next(i for i, o in enumerate(objects) if o["kind"] == "Job")
            assert all(o["kind"] != "Deployment" for o in objects[:first_job])


def test_each_document_starts_with_api_version_kind_metadata(config: Config) -> None:
    text = to_yaml(build_objects(environment(EnvironmentKind.PREVIEW, 5, config)))
    for document in text.split("---\n")[1:]:
        assert document.startswith("apiVersion: ")
        assert document.splitlines()[1].startswith("kind: ")
        assert document.splitlines()[2] == "metadata:"


def test_files_are_one_object_each_and_sort_in_apply_order(tmp_path: Path, config: Config) -> None:
    objects = build_objects(environment(EnvironmentKind.PRODUCTION, None, config))
    paths = write_files(objects, tmp_path / "out")
    assert [p.name for p in paths] == sorted(p.name for p in (tmp_path / "out").iterdir())
    assert paths[0].name == "000-namespace-production.yaml"
    assert [yaml.safe_load(p.read_text(encoding="utf-8")) for p in paths] == objects
