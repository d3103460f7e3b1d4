"""Every rendered object satisfies the policies, and each policy catches its violation."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from envctl.checks.policy import (
    exposure_problems,
    image_problems,
    policy_checks,
    probe_problems,
    resources_problems,
    restricted_problems,
    secret_consumer_problems,
    secret_value_problems,
    ui_write_problems,
)
from envctl.manifests.base import Manifest
from tests.envctl.conftest import IMAGE, find


def test_every_variant_passes_every_policy(rendered: dict[str, list[Manifest]]) -> None:
    for variant, objects in rendered.items():
        for name, check in policy_checks(IMAGE).items():
            assert check(objects) == [], f"{variant}: {name}"


def _temporal_pod(objects: list[Manifest]) -> Manifest:
    return find(objects, "Deployment", "temporal")["spec"]["template"]["spec"]


def _worker(objects: list[Manifest]) -> Manifest:
    return _temporal_pod(objects)["containers"][0]


def _ui(objects: list[Manifest]) -> Manifest:
    return _temporal_pod(objects)["containers"][2]


def _set_env(container: Manifest, name: str, value: str) -> None:
    next(var for var in container["env"] if var["name"] == name)["value"] = value


Mutation = Callable[[list[Manifest]], None]

VIOLATIONS: dict[str, tuple[Mutation, Callable[[list[Manifest]], list[str]], str]] = {
    "exec probe": (
        lambda o: _worker(o).__setitem__("livenessProbe", {"exec": {"command": ["true"]}}),
        probe_problems,
        "livenessProbe must be httpGet, grpc or tcpSocket",
    ),
    "missing readiness probe": (
        lambda o: _ui(o).pop("readinessProbe"),
        probe_problems,
        "no readinessProbe",
    ),
    "missing memory limit": (
        lambda o: _worker(o)["resources"]["limits"].pop("memory"),
        resources_problems,
        "no limits.memory",
    ),
    "latest image": (
        lambda o: _ui(o).__setitem__("image", "temporalio/ui:latest"),
        image_problems,
        "invalid image",
    ),
    "untagged image": (
        lambda o: _ui(o).__setitem__("image", "temporalio/ui"),
        image_problems,
        "invalid image",
    ),
    "secret in env": (
        lambda o: _worker(o)["env"].append({"name": "SMTP_PASSWORD", "value": "hunter2"}),
        secret_value_problems,
        "SMTP_PASSWORD has a literal value",
    ),
    "credentials in a URL": (
        lambda o: _worker(o)["env"].append(
            {"name": "HEALTHCHECK_TARGET_URL", "value": "postgresql://app:pw@db:5432/app"}
        ),
        secret_value_problems,
        "a URL with credentials",
    ),
    "secret with data": (
        lambda o: find(o, "Secret", "app-database").__setitem__("data", {"DATABASE_URL": "eA=="}),
        secret_value_problems,
        "carries values",
    ),
    "privileged": (
        lambda o: _ui(o)["securityContext"].__setitem__("privileged", True),
        restricted_problems,
        "privileged",
    ),
    "root": (
        lambda o: _ui(o)["securityContext"].__setitem__("runAsUser", 0),
        restricted_problems,
        "runs as uid 0",
    ),
    "capabilities kept": (
        lambda o: _ui(o)["securityContext"].__setitem__("capabilities", {"add": ["SYS_ADMIN"]}),
        restricted_problems,
        "does not drop ALL capabilities",
    ),
    "writable root": (
        lambda o: _ui(o)["securityContext"].__setitem__("readOnlyRootFilesystem", False),
        restricted_problems,
        "root filesystem is writable",
    ),
    "host path": (
        lambda o: _temporal_pod(o)["volumes"].append({"name": "h", "hostPath": {"path": "/"}}),
        restricted_problems,
        "volume h of type ['hostPath']",
    ),
    "no seccomp": (
        lambda o: [
            _temporal_pod(o)["securityContext"].pop("seccompProfile"),
            _ui(o)["securityContext"].pop("seccompProfile"),
        ],
        restricted_problems,
        "seccompProfile is None",
    ),
    "ui given the app secret": (
        lambda o: _ui(o).__setitem__("envFrom", [{"secretRef": {"name": "app-secrets"}}]),
        lambda objects: secret_consumer_problems(objects, IMAGE),
        "third-party image",
    ),
    "temporal-server exposed": (
        lambda o: find(o, "Ingress", "web")["spec"]["rules"][0]["http"]["paths"][0]["backend"][
            "service"
        ].__setitem__("name", "temporal-server"),
        exposure_problems,
        "routes to temporal-server",
    ),
    "temporal-server as NodePort": (
        lambda o: find(o, "Service", "temporal-server")["spec"].__setitem__("type", "NodePort"),
        exposure_problems,
        "type NodePort, expected ClusterIP",
    ),
    "ui writes without auth": (
        lambda o: _set_env(_ui(o), "TEMPORAL_DISABLE_WRITE_ACTIONS", "false"),
        ui_write_problems,
        "write actions on without authentication",
    ),
    "a fourth container": (
        lambda o: _temporal_pod(o)["containers"].append(copy.deepcopy(_ui(o)) | {"name": "extra"}),
        exposure_problems,
        "expected ['python-worker', 'temporal-server', 'temporal-ui']",
    ),
}


@pytest.mark.parametrize("violation", sorted(VIOLATIONS))
def test_each_policy_catches_its_violation(
    violation: str, rendered: dict[str, list[Manifest]]
) -> None:
    mutate, check, expected = VIOLATIONS[violation]
    objects = copy.deepcopy(rendered["preview"])
    assert check(objects) == []
    mutate(objects)
    problems = check(objects)
    assert any(expected in problem for problem in problems), problems
