"""Every container of the app image resolves Temporal by the rule of DESIGN.md section 3.

Kubernetes builds a container's environment from `envFrom` first (later sources win), then
`env`, which beats every `envFrom` source. The test builds that environment from the rendered
container and a modelled secret, then asks the app's own Settings what it resolves.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.settings import Settings
from app.temporal_address import AddressRule
from envctl.manifests.base import Manifest
from envctl.manifests.render import build_objects
from envctl.manifests.workloads import containers, pod_specs
from tests.envctl.conftest import IMAGE, KINDS, environment, external_temporal_config

DOPPLER_ADDRESS = "temporal.doppler-says.example:7233"
DATABASE_URL = "postgresql://app:x@db.example:5432/app"  # the app-database Secret's key


def process_environment(
    container: Manifest, namespace: str, secrets: dict[str, dict[str, str]]
) -> dict[str, str]:
    """What the container's process sees: envFrom in order, then env on top of it."""
    values: dict[str, str] = {}
    for source in container.get("envFrom", []):
        values.update(secrets.get(source["secretRef"]["name"], {}))
    for var in container.get("env", []):
        if "value" in var:
            values[var["name"]] = var["value"]
        elif var["valueFrom"].get("fieldRef", {}).get("fieldPath") == "metadata.namespace":
            values[var["name"]] = namespace
        elif "secretKeyRef" in var["valueFrom"]:
            ref = var["valueFrom"]["secretKeyRef"]
            if ref["key"] in secrets.get(ref["name"], {}):
                values[var["name"]] = secrets[ref["name"]][ref["key"]]
    return values


def app_containers(objects: list[Manifest]) -> Iterator[tuple[str, Manifest]]:
    for item, pod in pod_specs(objects):
        for spec, _ in containers(pod):
            if spec["image"] == IMAGE and spec.get("command", [""])[0] != "temporal":
                yield f"{item['metadata']['name']}/{spec['name']}", spec


def resolve(container: Manifest, namespace: str, secret: dict[str, str]) -> tuple[str, str]:
    values = process_environment(
        container,
        namespace,
        {"app-secrets": secret, "app-database": {"DATABASE_URL": DATABASE_URL}},
    )
    with pytest.MonkeyPatch.context() as patch:
        for name in list(Settings.model_fields):
            patch.delenv(name.upper(), raising=False)
        for name, value in values.items():
            patch.setenv(name, value)
        resolved = Settings(_env_file=None).temporal_address  # type: ignore[call-arg]
    return resolved.address, resolved.rule.value


def variants() -> Iterator[tuple[str, list[Manifest], str, str]]:
    """(name, objects, namespace, address expected without a secret value)."""
    from envctl.model.config import load_config

    config = load_config()
    for kind, pr in KINDS:
        env = environment(kind, pr, config)
        yield kind.value, build_objects(env), env.namespace, env.temporal_address.address
    external = environment(KINDS[2][0], None, external_temporal_config())
    yield (
        "production-external",
        build_objects(external),
        external.namespace,
        "acme.a1b2c.tmprl.cloud:7233",
    )


CASES = [
    (variant, name, container, namespace, fallback)
    for variant, objects, namespace, fallback in variants()
    for name, container in app_containers(objects)
]


@pytest.mark.parametrize(
    ("variant", "name", "container", "namespace", "fallback"),
    CASES,
    ids=[f"{case[0]}:{case[1]}" for case in CASES],
)
def test_the_secrets_address_wins_in_every_container(
    variant: str, name: str, container: Manifest, namespace: str, fallback: str
) -> None:
    assert resolve(container, namespace, {"TEMPORAL_SERVER_ADDRESS": DOPPLER_ADDRESS}) == (
        DOPPLER_ADDRESS,
        AddressRule.SETTING.value,
    ), f"{variant} {name}: an explicit env entry shadows the secret's TEMPORAL_SERVER_ADDRESS"


@pytest.mark.parametrize(
    ("variant", "name", "container", "namespace", "fallback"),
    CASES,
    ids=[f"{case[0]}:{case[1]}" for case in CASES],
)
def test_without_a_secret_value_each_container_finds_its_own_server(
    variant: str, name: str, container: Manifest, namespace: str, fallback: str
) -> None:
    address, rule = resolve(container, namespace, {})
    if name == "temporal/python-worker":
        # Same pod as its dev server: the Service would route to this very pod only once all
        # its containers are ready, which the worker is not before it connects.
        assert (address, rule) == ("127.0.0.1:7233", "fallback")
    else:
        assert address == fallback, f"{variant} {name}"
        assert rule != AddressRule.SETTING.value, f"{variant} {name}: rendered as a setting"
