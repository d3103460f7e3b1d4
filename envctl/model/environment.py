"""The environment model: every name an environment has derives from (kind, PR number, config).

Namespace, hosts, database and role, labels and the Temporal address are computed here and
nowhere else; the manifest builders only read an `Environment`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from app.temporal_address import (
    PERMANENT_PREVIEW_NAMESPACE,
    PRODUCTION_NAMESPACE,
    AppEnv,
    ResolvedAddress,
    preview_namespace,
    resolve_temporal_address,
)
from envctl.model.config import Config
from envctl.model.config_base import ProductionTemporalMode
from envctl.model.config_sizes import EnvironmentSettings
from envctl.model.inputs import (
    InputError,
    require_dns_label,
    require_image_ref,
    require_sql_identifier,
)

PART_OF = "preview-stack"
MANAGED_BY = "envctl"
LABEL_PREFIX = "envctl/"
ENV_KIND_LABEL = LABEL_PREFIX + "env-kind"
PR_LABEL = LABEL_PREFIX + "pr"
DEPLOYED_AT_LABEL = LABEL_PREFIX + "deployed-at"
NAME_LABEL = "app.kubernetes.io/name"
INSTANCE_LABEL = "app.kubernetes.io/instance"
COMPONENT_LABEL = "app.kubernetes.io/component"
# Render is deterministic: without --deployed-at the label carries this fixed time; deploy
# passes the time the current image was first deployed.
RENDER_DEPLOYED_AT = datetime(1970, 1, 1, tzinfo=UTC)
DEPLOYED_AT_FORMAT = "%Y%m%dT%H%M%SZ"
TEMPORAL_UI_HOST_SUFFIX = "-temporal"
DATABASE_NAME_PREFIX = "app_"

# Previews run the dev server in their pod; production runs one of the configured modes.
TemporalMode = Literal["dev"] | ProductionTemporalMode
_COMMIT_TAG = re.compile(r"^[0-9a-f]{40}$")


class EnvironmentKind(StrEnum):
    PREVIEW = "preview"
    PERMANENT_PREVIEW = "permanent-preview"
    PRODUCTION = "production"


class Component(StrEnum):
    """Workloads; each is also the `app.kubernetes.io/name` of its pods."""

    WEB = "web"
    TEMPORAL_POD = "temporal"  # previews: worker + dev server + UI in one pod
    WORKER = "python-worker"  # production: its own Deployment
    TEMPORAL_SERVER = "temporal-server"  # production, postgres mode
    TEMPORAL_UI = "temporal-ui"  # production
    TEMPORAL_SCHEMA = "temporal-schema"  # production, postgres mode


@dataclass(frozen=True)
class Environment:
    kind: EnvironmentKind
    pr_number: int | None
    namespace: str
    app_host: str
    temporal_ui_host: str
    database: str
    database_role: str
    app_env: AppEnv
    image: str
    deployed_at: datetime
    temporal_mode: TemporalMode
    temporal_address: ResolvedAddress
    settings: EnvironmentSettings
    config: Config
    commit: str | None = None  # the commit the image was built from (deploy --commit)

    @property
    def git_commit(self) -> str:
        """What GIT_COMMIT (and so /api/env) shows: the commit given, else the image tag."""
        return self.commit or self.image_tag

    @property
    def instance(self) -> str:
        return self.namespace

    @property
    def app_url(self) -> str:
        return f"https://{self.app_host}"

    @property
    def temporal_ui_url(self) -> str:
        if self.temporal_mode == "external":
            return self.config.production_temporal.external_ui_url
        return f"https://{self.temporal_ui_host}"

    @property
    def image_tag(self) -> str:
        name = self.image.partition("@")[0]
        last = name.rsplit("/", 1)[-1]
        return last.partition(":")[2] or self.image.partition("@")[2]

    @property
    def labels(self) -> dict[str, str]:
        """Labels on every object of this environment."""
        labels = {
            "app.kubernetes.io/part-of": PART_OF,
            "app.kubernetes.io/managed-by": MANAGED_BY,
            INSTANCE_LABEL: self.instance,
            ENV_KIND_LABEL: self.kind.value,
        }
        if self.pr_number is not None:
            labels[PR_LABEL] = str(self.pr_number)
        return labels

    def selector(self, component: Component) -> dict[str, str]:
        """Pod selector of a workload: its name and this environment's instance."""
        return {NAME_LABEL: component.value, INSTANCE_LABEL: self.instance}

    def component_labels(self, component: Component) -> dict[str, str]:
        return {**self.labels, NAME_LABEL: component.value, COMPONENT_LABEL: component.value}


def parse_kind(raw: str) -> EnvironmentKind:
    try:
        return EnvironmentKind(raw)
    except ValueError:
        choices = ", ".join(kind.value for kind in EnvironmentKind)
        raise InputError("ENV", f"one of {choices}", raw) from None


def parse_deployed_at(raw: str) -> datetime:
    """An ISO 8601 time with a zone, e.g. 2025-01-31T09:30:00Z."""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise InputError(
            "--deployed-at", "an ISO 8601 time with a zone, e.g. 2025-01-31T09:30:00Z", raw
        )
    return value.astimezone(UTC).replace(microsecond=0)


def database_name(namespace: str) -> str:
    """`pr-123` -> `app_pr_123`; one database and one role of that name per environment."""
    return require_sql_identifier(
        DATABASE_NAME_PREFIX + namespace.replace("-", "_"), "database name"
    )


def environment_namespace(kind: EnvironmentKind, pr_number: int | None, config: Config) -> str:
    if kind is EnvironmentKind.PREVIEW:
        if pr_number is None:
            raise InputError("--pr", "a pull-request number: ENV 'preview' needs --pr N", None)
        try:
            return preview_namespace(pr_number, config.namespace_prefix)
        except ValueError:
            raise InputError(
                "--pr",
                "a number short enough that the namespace is a DNS-1123 label (63 characters)",
                pr_number,
            ) from None
    if pr_number is not None:
        raise InputError(
            "--pr", f"no --pr for ENV '{kind.value}' (only previews have one)", pr_number
        )
    if kind is EnvironmentKind.PERMANENT_PREVIEW:
        return PERMANENT_PREVIEW_NAMESPACE
    return PRODUCTION_NAMESPACE


def _hosts(kind: EnvironmentKind, namespace: str, domain: str) -> tuple[str, str]:
    if kind is EnvironmentKind.PRODUCTION:
        return domain, f"temporal.{domain}"
    # One label below preview.<domain>, so one wildcard certificate covers every preview.
    if kind is EnvironmentKind.PERMANENT_PREVIEW:
        return f"preview.{domain}", f"preview-temporal.{domain}"
    ui_label = require_dns_label(namespace + TEMPORAL_UI_HOST_SUFFIX, "Temporal UI host label")
    return f"{namespace}.preview.{domain}", f"{ui_label}.preview.{domain}"


def build_environment(
    kind: EnvironmentKind,
    pr_number: int | None,
    config: Config,
    *,
    image: str | None = None,
    deployed_at: datetime | None = None,
    commit: str | None = None,
) -> Environment:
    namespace = environment_namespace(kind, pr_number, config)
    app_host, ui_host = _hosts(kind, namespace, config.domain)
    for host in (app_host, ui_host):
        if len(host) > 253:
            raise InputError(
                "domain", "a domain short enough for every host (253 characters)", host
            )
    chosen_image = require_image_ref(
        image if image is not None else f"{config.image_repository}:{config.default_image_tag}"
    )
    tag = chosen_image.partition("@")[0].rsplit("/", 1)[-1].partition(":")[2]
    if commit is not None and _COMMIT_TAG.match(tag) and tag != commit:
        # cd once tagged images with the merge commit GitHub makes for a PR, not its head
        raise InputError("--image", f"a tag of the commit given by --commit ({commit})", tag)
    app_env = AppEnv.PRODUCTION if kind is EnvironmentKind.PRODUCTION else AppEnv.PREVIEW
    temporal_mode: TemporalMode = "dev"
    setting: str | None = None
    if kind is EnvironmentKind.PRODUCTION:
        temporal_mode = config.production_temporal.mode
        if temporal_mode == "external":
            setting = config.production_temporal.address
    settings = {
        EnvironmentKind.PREVIEW: config.environments.preview,
        EnvironmentKind.PERMANENT_PREVIEW: config.environments.permanent_preview,
        EnvironmentKind.PRODUCTION: config.environments.production,
    }[kind]
    database = database_name(namespace)
    return Environment(
        kind=kind,
        pr_number=pr_number,
        namespace=namespace,
        app_host=app_host,
        temporal_ui_host=ui_host,
        database=database,
        database_role=database,
        app_env=app_env,
        image=chosen_image,
        deployed_at=deployed_at or RENDER_DEPLOYED_AT,
        temporal_mode=temporal_mode,
        temporal_address=resolve_temporal_address(
            setting=setting, kind=app_env, pr_number=pr_number, namespace=namespace
        ),
        settings=settings,
        config=config,
        commit=commit,
    )
