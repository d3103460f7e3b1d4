"""What a rendered container's process sees in its environment, and the Temporal address the
app resolves from it.

Kubernetes fills a container's environment from `envFrom` first (a later source wins), then
from `env`, whose entries beat every `envFrom` source. Secret values are given by the caller:
envctl never reads them from the cluster for this.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from app.temporal_address import AppEnv, ResolvedAddress, resolve_temporal_address
from envctl.manifests.base import Manifest
from envctl.manifests.workloads import containers, pod_specs
from envctl.model.environment import Environment


def process_environment(
    container: Manifest, namespace: str, secrets: Mapping[str, Mapping[str, str]]
) -> dict[str, str]:
    values: dict[str, str] = {}
    for source in container.get("envFrom", []):
        values.update(secrets.get(source.get("secretRef", {}).get("name", ""), {}))
    for var in container.get("env", []):
        source = var.get("valueFrom", {})
        if "value" in var:
            values[var["name"]] = var["value"]
        elif source.get("fieldRef", {}).get("fieldPath") == "metadata.namespace":
            values[var["name"]] = namespace
        elif "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            value = secrets.get(ref["name"], {}).get(ref["key"])
            if value is not None:
                values[var["name"]] = value
    return values


def resolve_from_environment(values: Mapping[str, str]) -> ResolvedAddress:
    """The app's rule (app/settings.py) applied to a process environment."""
    pr = values.get("PR_NUMBER")
    return resolve_temporal_address(
        setting=values.get("TEMPORAL_SERVER_ADDRESS"),
        kind=AppEnv(values.get("APP_ENV", AppEnv.DEVELOPMENT.value)),
        pr_number=int(pr) if pr else None,
        namespace=values.get("APP_NAMESPACE"),
        fallback=values.get("TEMPORAL_FALLBACK_ADDRESS"),
    )


def temporal_clients(env: Environment, objects: list[Manifest]) -> Iterator[Manifest]:
    """The containers of the app image that talk to Temporal (not its dev server)."""
    for _, pod in pod_specs(objects):
        for spec, _ in containers(pod):
            if spec["image"] == env.image and spec.get("command", [""])[0] != "temporal":
                yield spec


def container_address(
    env: Environment, objects: list[Manifest], name: str, setting: str | None
) -> ResolvedAddress | None:
    """What container `name` resolves when the app secret's TEMPORAL_SERVER_ADDRESS is
    `setting` (None: the secret has no such key); None if no such container exists."""
    secret = {} if setting is None else {"TEMPORAL_SERVER_ADDRESS": setting}
    for spec in temporal_clients(env, objects):
        if spec["name"] == name:
            values = process_environment(spec, env.namespace, {"app-secrets": secret})
            return resolve_from_environment(values)
    return None
