"""A preview shows the PR's head commit, never the merge commit GitHub makes for the PR."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from envctl.commands.announce import comment_body
from envctl.manifests.render import build_objects
from envctl.model.config import load_config
from envctl.model.environment import EnvironmentKind, build_environment
from envctl.model.inputs import InputError

ROOT = Path(__file__).resolve().parents[2]
HEAD = "${{ github.event.pull_request.head.sha }}"
COMMIT = "3f2a9c1" + "0" * 33


def cd_steps() -> list[dict[str, Any]]:
    document = yaml.safe_load((ROOT / ".github/workflows/cd.yml").read_text())
    return list(document["jobs"]["deploy"]["steps"])


def test_the_preview_image_is_built_from_and_tagged_with_the_head_commit() -> None:
    steps = cd_steps()
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"].get("ref") == HEAD, "checkout defaults to the merge ref"
    meta = next(s for s in steps if s.get("id") == "meta")
    assert HEAD in meta["with"]["tags"], "type=sha tags the merge commit on pull_request"
    assert meta.get("env", {}).get("DOCKER_METADATA_PR_HEAD_SHA") == "true"  # revision label
    deploy = next(s for s in steps if "envctl deploy" in s.get("run", ""))
    assert deploy["env"]["GIT_COMMIT"] == HEAD


def test_git_commit_in_every_app_container_is_the_commit_deploy_was_given() -> None:
    config = load_config()
    env = build_environment(
        EnvironmentKind.PREVIEW,
        5,
        config,
        image="ghcr.io/example/preview-stack:pr-5",
        commit=COMMIT,
    )
    seen = []
    for item in build_objects(env):
        if item["kind"] != "Deployment":
            continue
        pod = item["spec"]["template"]["spec"]
        for spec in pod["containers"] + pod.get("initContainers", []):
            for var in spec.get("env", []):
                if var["name"] == "GIT_COMMIT":
                    seen.append(var["value"])
    assert seen and set(seen) == {COMMIT}
    assert f"`{COMMIT}`" in comment_body(env, COMMIT)


def test_deploy_refuses_an_image_tagged_with_another_commit() -> None:
    merge = "9" * 40
    try:
        build_environment(
            EnvironmentKind.PREVIEW,
            5,
            load_config(),
            image=f"ghcr.io/example/preview-stack:{merge}",
            commit=COMMIT,
        )
    except InputError as error:
        assert "--image: expected a tag of the commit given by --commit" in str(error)
    else:
        raise AssertionError("an image of the merge commit was accepted")
