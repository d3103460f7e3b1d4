"""Clean-up: no dead UI setting; a private registry's pull secret from config, filled by deploy."""

from __future__ import annotations

import base64
import json

from envctl.checks.policy import secret_value_problems
from envctl.cluster.secret_values import with_secret_values
from envctl.manifests.base import Manifest
from envctl.manifests.render import build_objects
from envctl.manifests.workloads import pod_specs
from envctl.model.config import Config
from envctl.model.environment import EnvironmentKind
from tests.envctl.conftest import config_with, environment

TOKEN = "ghp_FAKE0123456789"


def test_no_container_gets_the_dead_notify_setting(rendered: dict[str, list[Manifest]]) -> None:
    for variant, objects in rendered.items():
        for _, pod in pod_specs(objects):
            for spec in pod["containers"]:
                names = {var["name"] for var in spec.get("env", [])}
                assert "TEMPORAL_NOTIFY_ON_NEW_VERSION" not in names, variant  # gone in UI 2.45.4


def test_a_private_registry_gets_a_pull_secret_on_every_pod_and_deploy_fills_it(
    config: Config,
) -> None:
    private = config_with(registry={"pull_secret": "registry-pull", "server": "ghcr.io"})
    env = environment(EnvironmentKind.PREVIEW, 12, private)
    objects = build_objects(env)
    for _, pod in pod_specs(objects):
        assert pod["imagePullSecrets"] == [{"name": "registry-pull"}]
    assert secret_value_problems(objects) == []
    assert TOKEN not in json.dumps(objects)
    filled = with_secret_values(
        env, objects, database_url=None, token=None, registry_credentials=("bot", TOKEN)
    )
    secret = next(o for o in filled if o["metadata"]["name"] == "registry-pull")
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    document = json.loads(base64.b64decode(secret["data"][".dockerconfigjson"]))
    auth = base64.b64decode(document["auths"]["ghcr.io"]["auth"]).decode()
    assert auth == f"bot:{TOKEN}"
    public = build_objects(environment(EnvironmentKind.PREVIEW, 12, config))
    assert all("imagePullSecrets" not in pod for _, pod in pod_specs(public))
