"""No unauthenticated write path to any Temporal UI (DESIGN.md section 5), for every env kind.

Authentication is the UI's own OIDC (temporal-ui verifies the bearer token on every API call)
or ingress external auth (oauth2-proxy answers nginx's auth subrequest for every request).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from envctl.checks.policy import secret_value_problems
from envctl.manifests.base import Manifest
from envctl.manifests.render import build_objects
from envctl.model.config import Config, ConfigError, parse_config
from envctl.model.environment import EnvironmentKind
from tests.envctl.conftest import KINDS, config_data, environment

SETTINGS_KEY = {
    EnvironmentKind.PREVIEW: "preview",
    EnvironmentKind.PERMANENT_PREVIEW: "permanent_preview",
    EnvironmentKind.PRODUCTION: "production",
}
OIDC = {"provider_url": "https://login.example.com", "client_id": "temporal-ui"}
INGRESS = {
    "auth_url": "https://oauth2.example.com/oauth2/auth",
    "signin_url": "https://oauth2.example.com/oauth2/start?rd=https://$host$escaped_request_uri",
}
AUTH_MODES: dict[str, dict[str, Any]] = {
    "none": {},
    "oidc": {"temporal_ui_oidc": OIDC},
    "ingress": {"temporal_ui_ingress_auth": INGRESS},
    "both": {"temporal_ui_oidc": OIDC, "temporal_ui_ingress_auth": INGRESS},
}
ACCEPTED = {"temporal_ui_accepted_risk": "unauthenticated-read-only-ui"}


def config_for(kind: EnvironmentKind, settings: dict[str, Any]) -> Config:
    data = copy.deepcopy(config_data())
    section = data["environments"][SETTINGS_KEY[kind]]
    for key in ("temporal_ui_oidc", "temporal_ui_ingress_auth", "temporal_ui_accepted_risk"):
        section.pop(key, None)
    section.update(settings)
    return parse_config(data, "test")


def ui_parts(objects: list[Manifest]) -> tuple[dict[str, Any], Manifest, Manifest]:
    """(the UI container's env by name, the container, the UI's Ingress)."""
    for item in objects:
        if item["kind"] != "Deployment":
            continue
        for spec in item["spec"]["template"]["spec"]["containers"]:
            if spec["name"] == "temporal-ui":
                env = {v["name"]: v.get("value", v.get("valueFrom")) for v in spec["env"]}
                ingress = next(
                    o
                    for o in objects
                    if o["kind"] == "Ingress" and o["metadata"]["name"] == "temporal-ui"
                )
                return env, spec, ingress
    raise AssertionError("no temporal-ui container")


def authenticated(env: dict[str, Any], ingress: Manifest) -> bool:
    annotations = ingress["metadata"].get("annotations", {})
    return (
        env.get("TEMPORAL_AUTH_ENABLED") == "true"
        or "nginx.ingress.kubernetes.io/auth-url" in annotations
    )


CASES = [(kind, pr, mode) for kind, pr in KINDS for mode in AUTH_MODES]


@pytest.mark.parametrize(("kind", "pr", "mode"), CASES, ids=[f"{k.value}-{m}" for k, _, m in CASES])
def test_write_actions_only_behind_authentication(
    kind: EnvironmentKind, pr: int | None, mode: str
) -> None:
    settings = {**AUTH_MODES[mode], "temporal_ui_write_actions": True}
    if kind is EnvironmentKind.PRODUCTION and mode == "none":
        settings = {**settings, **ACCEPTED}
    objects = build_objects(environment(kind, pr, config_for(kind, settings)))
    env, _, ingress = ui_parts(objects)
    writes = env["TEMPORAL_DISABLE_WRITE_ACTIONS"] != "true"
    assert writes == (mode != "none"), f"{kind.value} {mode}: write actions {writes}"
    assert not writes or authenticated(env, ingress)
    assert secret_value_problems(objects) == []


def test_production_refuses_a_ui_without_auth_unless_the_risk_is_named() -> None:
    with pytest.raises(ConfigError) as refused:
        config_for(EnvironmentKind.PRODUCTION, {"temporal_ui_write_actions": False})
    message = str(refused.value)
    assert "environments.production" in message
    assert "unauthenticated-read-only-ui" in message
    with pytest.raises(ConfigError, match="one of: unauthenticated-read-only-ui"):
        config_for(EnvironmentKind.PRODUCTION, {"temporal_ui_accepted_risk": "yolo"})
    accepted = config_for(
        EnvironmentKind.PRODUCTION, {**ACCEPTED, "temporal_ui_write_actions": False}
    )
    env, _, _ = ui_parts(build_objects(environment(EnvironmentKind.PRODUCTION, None, accepted)))
    assert env["TEMPORAL_DISABLE_WRITE_ACTIONS"] == "true"


def test_oidc_renders_the_ui_servers_own_settings_and_no_secret_value() -> None:
    kind = EnvironmentKind.PREVIEW
    objects = build_objects(environment(kind, 123, config_for(kind, AUTH_MODES["oidc"])))
    env, spec, _ = ui_parts(objects)
    assert env["TEMPORAL_AUTH_ENABLED"] == "true"
    assert env["TEMPORAL_AUTH_PROVIDER_URL"] == "https://login.example.com"
    assert env["TEMPORAL_AUTH_CLIENT_ID"] == "temporal-ui"
    assert env["TEMPORAL_AUTH_CALLBACK_URL"] == (
        "https://pr-123-temporal.preview.preview-stack.example.com/auth/sso/callback"
    )
    assert env["TEMPORAL_AUTH_CLIENT_SECRET"] == {
        "secretKeyRef": {"name": "temporal-ui-auth", "key": "TEMPORAL_AUTH_CLIENT_SECRET"}
    }
    assert "envFrom" not in spec  # only that one key, never the app's secrets
    source = next(o for o in objects if o["metadata"]["name"] == "temporal-ui-auth")
    assert source["kind"] == "DopplerSecret"
    assert source["spec"]["secrets"] == ["TEMPORAL_AUTH_CLIENT_SECRET"]
    assert source["spec"]["config"] != config_data()["environments"]["preview"]["doppler_config"]


def test_ingress_auth_renders_nginx_external_auth_annotations() -> None:
    kind = EnvironmentKind.PERMANENT_PREVIEW
    objects = build_objects(environment(kind, None, config_for(kind, AUTH_MODES["ingress"])))
    _, _, ingress = ui_parts(objects)
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/auth-url"] == INGRESS["auth_url"]
    assert annotations["nginx.ingress.kubernetes.io/auth-signin"] == INGRESS["signin_url"]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("temporal_ui_oidc", {"provider_url": "http://login", "client_id": "x"}, "https://"),
        (
            "temporal_ui_oidc",
            {"provider_url": "https://l.example", "client_id": "a b"},
            "client_id",
        ),
        (
            "temporal_ui_ingress_auth",
            {"auth_url": "ftp://x", "signin_url": "https://y"},
            "auth_url",
        ),
    ],
)
def test_bad_auth_settings_name_the_field(field: str, value: Any, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        config_for(EnvironmentKind.PREVIEW, {field: value})
