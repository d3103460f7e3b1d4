"""Shared fixtures: the committed config, and environments of every kind rendered once."""

from __future__ import annotations

from typing import Any

import pytest

from envctl.manifests.base import Manifest
from envctl.manifests.render import build_objects
from envctl.model.config import Config, load_config, parse_config, read_config_data
from envctl.model.environment import Environment, EnvironmentKind, build_environment

IMAGE = "ghcr.io/example/preview-stack:3f2a9c1"
KINDS = [
    (EnvironmentKind.PREVIEW, 123),
    (EnvironmentKind.PERMANENT_PREVIEW, None),
    (EnvironmentKind.PRODUCTION, None),
]


def config_data() -> dict[str, Any]:
    data, _ = read_config_data(None)
    return data


def config_with(**changes: Any) -> Config:
    """The committed config with some sections replaced (`production_temporal={...}`)."""
    data = config_data()
    for key, value in changes.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) else value
    return parse_config(data, "test")


def external_temporal_config() -> Config:
    return config_with(
        production_temporal={
            "mode": "external",
            "address": "acme.a1b2c.tmprl.cloud:7233",
            "tls": True,
            "namespace": "acme.a1b2c",
            "external_ui_url": "https://cloud.temporal.io/namespaces/acme.a1b2c",
        }
    )


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config()


def environment(kind: EnvironmentKind, pr: int | None, config: Config) -> Environment:
    return build_environment(kind, pr, config, image=IMAGE)


@pytest.fixture(scope="session")
def rendered(config: Config) -> dict[str, list[Manifest]]:
    """Every variant envctl can render: the three kinds, external Temporal, plain secrets."""
    variants = {kind.value: build_objects(environment(kind, pr, config)) for kind, pr in KINDS}
    variants["production-external"] = build_objects(
        environment(EnvironmentKind.PRODUCTION, None, external_temporal_config())
    )
    plain = config_with(secrets_mode="plain")
    production_plain = environment(EnvironmentKind.PRODUCTION, None, plain)
    variants["production-plain"] = build_objects(production_plain)
    variants["preview-plain"] = build_objects(environment(EnvironmentKind.PREVIEW, 7, plain))
    return variants


def find(objects: list[Manifest], kind: str, name: str) -> Manifest:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def kinds(objects: list[Manifest]) -> list[str]:
    return [o["kind"] for o in objects]
