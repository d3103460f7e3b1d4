"""The address rule of DESIGN.md section 3, in order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.temporal_address import (
    AddressRule,
    AppEnv,
    in_cluster_address,
    preview_namespace,
    resolve_temporal_address,
)


def svc(namespace: str) -> str:
    return f"temporal-server.{namespace}.svc.cluster.local:7233"


@pytest.mark.parametrize(
    ("setting", "kind", "pr", "namespace", "expected", "rule"),
    [
        ("t:1", AppEnv.PREVIEW, 5, None, "t:1", AddressRule.SETTING),
        (None, AppEnv.PREVIEW, 5, None, svc("pr-5"), AddressRule.PREVIEW),
        (None, AppEnv.PREVIEW, 5, "review-5", svc("review-5"), AddressRule.PREVIEW),
        (None, AppEnv.PREVIEW, None, None, svc("preview"), AddressRule.ENVIRONMENT),
        (None, AppEnv.PRODUCTION, None, None, svc("production"), AddressRule.ENVIRONMENT),
        ("", AppEnv.DEVELOPMENT, None, None, "localhost:7233", AddressRule.LOCAL),
        (None, AppEnv.TEST, None, None, "localhost:7233", AddressRule.LOCAL),
    ],
)  # fmt: skip
def test_rules_apply_in_order(
    setting: str | None,
    kind: AppEnv,
    pr: int | None,
    namespace: str | None,
    expected: str,
    rule: AddressRule,
) -> None:
    resolved = resolve_temporal_address(
        setting=setting, kind=kind, pr_number=pr, namespace=namespace
    )
    assert (resolved.address, resolved.rule) == (expected, rule)
    assert resolved.description


@given(st.integers(min_value=1, max_value=10**12))
def test_every_positive_pr_gets_its_own_namespace(pr: int) -> None:
    namespace = preview_namespace(pr)
    assert namespace == f"pr-{pr}"
    assert in_cluster_address(namespace).startswith(f"temporal-server.pr-{pr}.")


@pytest.mark.parametrize("pr", [0, -1])
def test_non_positive_pr_is_refused(pr: int) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        preview_namespace(pr)


@pytest.mark.parametrize("namespace", ["UPPER", "a_b", "-a", "a" * 64, "a.b"])
def test_namespace_must_be_a_dns_label(namespace: str) -> None:
    with pytest.raises(ValueError, match="DNS-1123"):
        in_cluster_address(namespace)


def test_the_fallback_comes_after_the_setting_and_before_the_namespace_rules() -> None:
    def rule(setting: str | None, fallback: str | None) -> tuple[str, AddressRule]:
        resolved = resolve_temporal_address(
            setting=setting, kind=AppEnv.PREVIEW, pr_number=5, fallback=fallback
        )
        return resolved.address, resolved.rule

    assert rule("t:1", "127.0.0.1:7233") == ("t:1", AddressRule.SETTING)
    assert rule(" ", "127.0.0.1:7233") == ("127.0.0.1:7233", AddressRule.FALLBACK)
    assert rule(None, "") == (svc("pr-5"), AddressRule.PREVIEW)
