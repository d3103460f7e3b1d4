"""Render an environment: build every object, put them in a stable order, serialize once.

The order is the order to apply them in, the one the kinds table (`envctl.manifests.kinds`)
lists.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from envctl.manifests.base import Manifest
from envctl.manifests.kinds import order
from envctl.manifests.namespace import limit_range, namespace, resource_quota
from envctl.manifests.network import network_policies
from envctl.manifests.secrets import secret_objects
from envctl.manifests.temporal import temporal_objects
from envctl.manifests.web import web_objects
from envctl.manifests.worker import worker_objects
from envctl.model.environment import Environment, EnvironmentKind

TOP_LEVEL_ORDER = ["apiVersion", "kind", "metadata"]


def build_objects(env: Environment) -> list[Manifest]:
    workloads = web_objects(env) + temporal_objects(env)
    if env.kind is EnvironmentKind.PRODUCTION:
        workloads += worker_objects(env)
    objects = [
        namespace(env),
        resource_quota(env, workloads),
        limit_range(env, workloads),
        *network_policies(env),
        *secret_objects(env),
        *workloads,
    ]
    return sorted(objects, key=lambda item: (order(item["kind"]), item["metadata"]["name"]))


def _ordered(value: Any, top_level: bool = False) -> Any:
    """Keys sorted everywhere, except apiVersion, kind and metadata lead each object."""
    if isinstance(value, dict):
        keys = sorted(value)
        if top_level:
            keys = [k for k in TOP_LEVEL_ORDER if k in value] + [
                k for k in keys if k not in TOP_LEVEL_ORDER
            ]
        return {key: _ordered(value[key]) for key in keys}
    if isinstance(value, list):
        return [_ordered(item) for item in value]
    return value


class _Dumper(yaml.SafeDumper):
    """Plain YAML: no anchors or aliases, block style."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def to_yaml(objects: list[Manifest]) -> str:
    documents = [
        yaml.dump(
            _ordered(item, top_level=True),
            Dumper=_Dumper,
            sort_keys=False,
            default_flow_style=False,
            width=100,
        )
        for item in objects
    ]
    return "---\n" + "---\n".join(documents)


def file_name(index: int, item: Manifest) -> str:
    kind = item["kind"].lower()
    name = re.sub(r"[^a-z0-9.-]", "-", item["metadata"]["name"])
    return f"{index:03d}-{kind}-{name}.yaml"


def write_files(objects: list[Manifest], directory: Path) -> list[Path]:
    """One file per object, named so that `kubectl apply -f DIR` keeps the render order."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, item in enumerate(objects):
        path = directory / file_name(index, item)
        path.write_text(to_yaml([item]), encoding="utf-8")
        paths.append(path)
    return paths
