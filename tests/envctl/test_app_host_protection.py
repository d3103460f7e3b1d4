"""Optional protection of a preview's app host: ingress external auth or basic auth."""

from __future__ import annotations

import copy
import json

from envctl.manifests.render import build_objects
from envctl.model.config import parse_config
from envctl.model.environment import EnvironmentKind
from tests.envctl.conftest import config_data, environment, find

INGRESS = {
    "auth_url": "https://oauth2.example.com/oauth2/auth",
    "signin_url": "https://o.example/s",
}


def annotations_with(**settings: object) -> dict[str, str]:
    data = copy.deepcopy(config_data())
    data["environments"]["preview"].update(settings)
    objects = build_objects(environment(EnvironmentKind.PREVIEW, 4, parse_config(data, "t")))
    annotations: dict[str, str] = find(objects, "Ingress", "web")["metadata"].get("annotations", {})
    assert "htpasswd" not in json.dumps(objects)
    return annotations


def test_preview_app_hosts_can_sit_behind_external_or_basic_auth() -> None:
    assert "nginx.ingress.kubernetes.io/auth-url" not in annotations_with()
    external = annotations_with(app_ingress_auth=INGRESS)
    assert external["nginx.ingress.kubernetes.io/auth-url"] == INGRESS["auth_url"]
    basic = annotations_with(app_basic_auth_secret="preview-basic-auth")
    assert basic["nginx.ingress.kubernetes.io/auth-type"] == "basic"
    assert basic["nginx.ingress.kubernetes.io/auth-secret"] == "preview-basic-auth"
