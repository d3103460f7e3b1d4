"""Names derive from (kind, PR number, config) in one place, and agree with the backend."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.temporal_address import AddressRule, AppEnv, is_dns_label, resolve_temporal_address
from envctl.model.config import Config
from envctl.model.environment import (
    EnvironmentKind,
    build_environment,
    parse_deployed_at,
    parse_kind,
)
from envctl.model.inputs import InputError
from tests.envctl.conftest import config_with, external_temporal_config

labels = st.from_regex(r"[a-z]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
domains = st.lists(labels, min_size=2, max_size=4).map(".".join)
prefixes = st.from_regex(r"[a-z][a-z0-9-]{0,8}-", fullmatch=True)


def test_a_preview_is_named_after_its_pull_request(config: Config) -> None:
    env = build_environment(EnvironmentKind.PREVIEW, 123, config)
    assert env.namespace == "pr-123"
    assert env.app_host == "pr-123.preview.preview-stack.example.com"
    assert env.temporal_ui_host == "pr-123-temporal.preview.preview-stack.example.com"
    assert (env.database, env.database_role) == ("app_pr_123", "app_pr_123")
    assert env.app_env is AppEnv.PREVIEW
    assert env.temporal_address.address == "temporal-server.pr-123.svc.cluster.local:7233"
    assert env.temporal_address.rule is AddressRule.PREVIEW


def test_permanent_preview_and_production_names(config: Config) -> None:
    main = build_environment(EnvironmentKind.PERMANENT_PREVIEW, None, config)
    assert (main.namespace, main.app_host, main.temporal_ui_host, main.database) == (
        "preview",
        "preview.preview-stack.example.com",
        "preview-temporal.preview-stack.example.com",
        "app_preview",
    )
    prod = build_environment(EnvironmentKind.PRODUCTION, None, config)
    assert (prod.namespace, prod.app_host, prod.temporal_ui_host, prod.database) == (
        "production",
        "preview-stack.example.com",
        "temporal.preview-stack.example.com",
        "app_production",
    )
    assert prod.temporal_address.address == "temporal-server.production.svc.cluster.local:7233"
    assert prod.temporal_address.rule is AddressRule.ENVIRONMENT


def test_an_external_temporal_is_rule_one_of_the_backend() -> None:
    env = build_environment(EnvironmentKind.PRODUCTION, None, external_temporal_config())
    assert env.temporal_mode == "external"
    assert env.temporal_address.address == "acme.a1b2c.tmprl.cloud:7233"
    assert env.temporal_address.rule is AddressRule.SETTING
    assert env.temporal_ui_url == "https://cloud.temporal.io/namespaces/acme.a1b2c"


def test_pr_numbers_belong_to_previews_only(config: Config) -> None:
    with pytest.raises(InputError, match="ENV 'preview' needs --pr N"):
        build_environment(EnvironmentKind.PREVIEW, None, config)
    for kind in (EnvironmentKind.PERMANENT_PREVIEW, EnvironmentKind.PRODUCTION):
        with pytest.raises(InputError, match="only previews have one"):
            build_environment(kind, 5, config)


def test_unknown_kinds_and_times_are_rejected() -> None:
    assert parse_kind("permanent-preview") is EnvironmentKind.PERMANENT_PREVIEW
    with pytest.raises(InputError, match="invalid ENV: expected one of preview"):
        parse_kind("staging")
    assert parse_deployed_at("2025-01-31T10:30:00+01:00").isoformat() == "2025-01-31T09:30:00+00:00"
    for bad in ("yesterday", "2025-01-31T10:30:00"):
        with pytest.raises(InputError, match="--deployed-at"):
            parse_deployed_at(bad)


def test_a_namespace_too_long_for_its_ui_host_label_is_rejected() -> None:
    config = config_with(namespace_prefix="p" * 50 + "-")
    with pytest.raises(InputError, match="Temporal UI host label"):
        build_environment(EnvironmentKind.PREVIEW, 1234567, config)


@settings(max_examples=60, deadline=None)
@given(pr=st.integers(min_value=1, max_value=10**9), domain=domains, prefix=prefixes)
def test_every_name_is_valid_for_any_pr_domain_and_prefix(
    pr: int, domain: str, prefix: str
) -> None:
    config = config_with(domain=domain, namespace_prefix=prefix)
    env = build_environment(EnvironmentKind.PREVIEW, pr, config)
    assert env.namespace == f"{prefix}{pr}" and is_dns_label(env.namespace)
    assert env.app_host == f"{env.namespace}.preview.{domain}"
    assert all(is_dns_label(label) for label in env.temporal_ui_host.split("."))
    assert env.database == "app_" + env.namespace.replace("-", "_")
    assert len(env.database) <= 63
    # the CLI's answer is the backend's answer
    assert env.temporal_address == resolve_temporal_address(
        setting=None, kind=AppEnv.PREVIEW, pr_number=pr, namespace=env.namespace
    )
    assert env.labels["envctl/pr"] == str(pr)
    assert env.labels["app.kubernetes.io/instance"] == env.namespace
