"""Config sections for what envctl talks to: secrets, network, Temporal, the pooler, the
registry, which PRs get a preview and how each environment kind is named."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from envctl.model.config_auth import ACCEPTED_UI_RISKS
from envctl.model.config_base import (
    Port,
    PositiveInt,
    ProductionTemporalMode,
    Strict,
    checked,
)
from envctl.model.config_sizes import EnvironmentSettings
from envctl.model.inputs import (
    require_cidr,
    require_dns_label,
    require_dns_subdomain,
    require_sql_identifier,
)

NetworkNamespace = Annotated[str, checked(require_dns_label, "network namespace")]
DatabaseName = Annotated[str, checked(require_sql_identifier, "production temporal database name")]


class Doppler(Strict):
    project: Annotated[str, checked(require_dns_subdomain, "doppler.project")]
    token_secret: Annotated[str, checked(require_dns_subdomain, "doppler.token_secret")]
    resync_seconds: PositiveInt = 60


class Network(Strict):
    ingress_controller_namespace: NetworkNamespace
    dns_namespace: NetworkNamespace
    dns_pod_labels: dict[str, str]
    https_egress_ports: list[Port]
    private_cidrs: list[str]

    @field_validator("private_cidrs")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        return [require_cidr(cidr, "network.private_cidrs") for cidr in value]

    @field_validator("dns_pod_labels")
    @classmethod
    def _labels(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("must select the DNS pods with at least one label")
        return value


class ProductionTemporal(Strict):
    """Production Temporal: our own server on PostgreSQL, or an external cluster."""

    mode: ProductionTemporalMode
    # the Temporal namespace web and worker use (TEMPORAL_NAMESPACE); postgres mode registers it
    namespace: Annotated[str, checked(require_dns_subdomain, "production_temporal.namespace")] = (
        "default"
    )
    # external mode
    address: str = ""
    tls: bool = False
    external_ui_url: str = ""
    # postgres mode
    postgres_host: str = ""
    postgres_port: Port = 5432
    postgres_user: DatabaseName = "temporal"
    postgres_tls: bool = True
    database: DatabaseName = "temporal"
    visibility_database: DatabaseName = "temporal_visibility"
    database_cidr: Annotated[str, checked(require_cidr, "temporal.database_cidr")] = "0.0.0.0/32"
    history_shards: PositiveInt = 512
    replicas: PositiveInt = 1

    @model_validator(mode="after")
    def _mode_needs(self) -> ProductionTemporal:
        if self.mode == "external":
            host, _, port = self.address.rpartition(":")
            if not host or not port.isdigit():
                raise ValueError("mode 'external' needs address 'host:port'")
            require_dns_subdomain(host, "temporal.address host")
            if self.external_ui_url and not self.external_ui_url.startswith("https://"):
                raise ValueError("external_ui_url must be an https:// URL")
        else:
            if self.address:
                raise ValueError("address is only for mode 'external'")
            require_dns_subdomain(self.postgres_host, "temporal.postgres_host")
        return self


class Pooler(Strict):
    """PgBouncer in front of the shared preview PostgreSQL, for `database_mode = "pooled"`.

    envctl renders the operator's pgbouncer.ini from these (`envctl pooler config`) and checks
    deploys against them, so the two cannot drift apart.
    """

    max_client_conn: PositiveInt = 2000
    reserved_client_connections: Annotated[int, Field(ge=0)] = 20
    default_pool_size: PositiveInt = 2
    max_db_connections: PositiveInt = 2
    server_idle_timeout_seconds: Annotated[float, Field(gt=0)] = 2.0
    query_wait_timeout_seconds: Annotated[float, Field(gt=0)] = 30.0

    @model_validator(mode="after")
    def _pool_fits_cap(self) -> Pooler:
        if self.default_pool_size > self.max_db_connections:
            raise ValueError("default_pool_size must not exceed max_db_connections")
        if self.reserved_client_connections >= self.max_client_conn:
            raise ValueError("reserved_client_connections must be below max_client_conn")
        return self


class Registry(Strict):
    """A private registry: pods pull with `pull_secret`, which deploy creates from a token."""

    # empty: the image package is public, pods pull anonymously
    pull_secret: Annotated[
        str, checked(require_dns_subdomain, "registry.pull_secret", optional=True)
    ] = ""
    server: Annotated[str, checked(require_dns_subdomain, "registry.server")] = "ghcr.io"


class PreviewSelection(Strict):
    """Which pull requests get a preview (envctl/model/preview_policy.py)."""

    mode: Literal["all", "opt-in"] = "all"
    opt_out_label: str = "no-preview"
    opt_in_label: str = "preview"
    skip_authors: list[str] = ["dependabot[bot]", "renovate[bot]"]  # noqa: RUF012  (pydantic copies it)


class PreviewTemporal(Strict):
    """The dev server's SQLite file of both preview kinds, on a PersistentVolumeClaim."""

    storage_class: Annotated[str, checked(require_dns_subdomain, "preview_temporal.storage_class")]
    storage_mi: PositiveInt = 1024


class Environments(Strict):
    preview: EnvironmentSettings
    permanent_preview: EnvironmentSettings
    production: EnvironmentSettings

    @field_validator("production")
    @classmethod
    def _production_ui_is_authenticated(cls, value: EnvironmentSettings) -> EnvironmentSettings:
        if not value.temporal_ui_authenticated and not value.temporal_ui_accepted_risk:
            raise ValueError(
                "the production Temporal UI needs temporal_ui_oidc or temporal_ui_ingress_auth, "
                "or temporal_ui_accepted_risk = one of: "
                + ", ".join(f"{name} ({why})" for name, why in sorted(ACCEPTED_UI_RISKS.items()))
            )
        return value
