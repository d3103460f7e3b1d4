"""Where the Temporal frontend is, for every environment (DESIGN.md section 3).

This module is shared by the backend, the worker and `envctl address`, so the
rule cannot diverge between what is deployed and what is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

TEMPORAL_FRONTEND_PORT = 7233
TEMPORAL_SERVICE_NAME = "temporal-server"
DEFAULT_PREVIEW_PREFIX = "pr-"
PERMANENT_PREVIEW_NAMESPACE = "preview"
PRODUCTION_NAMESPACE = "production"

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


class AppEnv(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PREVIEW = "preview"
    PRODUCTION = "production"


class AddressRule(StrEnum):
    SETTING = "setting"
    FALLBACK = "fallback"
    PREVIEW = "preview-pr"
    ENVIRONMENT = "environment-namespace"
    LOCAL = "local"


RULE_DESCRIPTIONS = {
    AddressRule.SETTING: "TEMPORAL_SERVER_ADDRESS is set",
    AddressRule.FALLBACK: "TEMPORAL_SERVER_ADDRESS unset: TEMPORAL_FALLBACK_ADDRESS, rendered by "
    "envctl for this container",
    AddressRule.PREVIEW: "preview of a pull request: its own namespace",
    AddressRule.ENVIRONMENT: "permanent preview or production: the environment's namespace",
    AddressRule.LOCAL: "development or test: the local dev server",
}


@dataclass(frozen=True)
class ResolvedAddress:
    address: str
    rule: AddressRule

    @property
    def description(self) -> str:
        return RULE_DESCRIPTIONS[self.rule]


def is_dns_label(value: str) -> bool:
    return len(value) <= 63 and bool(_DNS_LABEL.match(value))


def preview_namespace(pr_number: int, prefix: str = DEFAULT_PREVIEW_PREFIX) -> str:
    if pr_number < 1:
        raise ValueError(f"pr_number must be a positive integer, got {pr_number}")
    namespace = f"{prefix}{pr_number}"
    if not is_dns_label(namespace):
        raise ValueError(f"namespace {namespace!r} is not a DNS-1123 label")
    return namespace


def in_cluster_address(namespace: str) -> str:
    if not is_dns_label(namespace):
        raise ValueError(f"namespace {namespace!r} is not a DNS-1123 label")
    return f"{TEMPORAL_SERVICE_NAME}.{namespace}.svc.cluster.local:{TEMPORAL_FRONTEND_PORT}"


def resolve_temporal_address(
    *,
    setting: str | None,
    kind: AppEnv,
    pr_number: int | None = None,
    namespace: str | None = None,
    fallback: str | None = None,
) -> ResolvedAddress:
    """Apply the rules in order; `namespace` is the environment's own, when known.

    `fallback` (TEMPORAL_FALLBACK_ADDRESS) is what a manifest may set instead of the setting
    itself: a container's explicit `env` beats the secret's `envFrom`, so a manifest that set
    TEMPORAL_SERVER_ADDRESS would hide the secret's value.
    """
    if setting is not None and setting.strip():
        return ResolvedAddress(setting.strip(), AddressRule.SETTING)
    if fallback is not None and fallback.strip():
        return ResolvedAddress(fallback.strip(), AddressRule.FALLBACK)
    if kind is AppEnv.PREVIEW and pr_number is not None:
        own = namespace or preview_namespace(pr_number)
        return ResolvedAddress(in_cluster_address(own), AddressRule.PREVIEW)
    if kind is AppEnv.PREVIEW:
        own = namespace or PERMANENT_PREVIEW_NAMESPACE
        return ResolvedAddress(in_cluster_address(own), AddressRule.ENVIRONMENT)
    if kind is AppEnv.PRODUCTION:
        own = namespace or PRODUCTION_NAMESPACE
        return ResolvedAddress(in_cluster_address(own), AddressRule.ENVIRONMENT)
    return ResolvedAddress(f"localhost:{TEMPORAL_FRONTEND_PORT}", AddressRule.LOCAL)
