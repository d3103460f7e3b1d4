"""The envctl configuration: one committed TOML file (`deploy/envctl.toml`), flags override it.

Every value is checked when the file is loaded; a bad file fails with one message that
lists every problem, before anything renders.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from app.field_errors import field_errors
from envctl.model.config_auth import ACCEPTED_UI_RISKS, IngressAuth, OidcAuth
from envctl.model.inputs import (
    InputError,
    require_cidr,
    require_dns_label,
    require_dns_subdomain,
    require_domain,
    require_image_ref,
    require_image_repository,
    require_namespace_prefix,
    require_sql_identifier,
)

DEFAULT_CONFIG_PATH = Path("deploy") / "envctl.toml"
REPO_CONFIG_PATH = Path(__file__).resolve().parents[2] / DEFAULT_CONFIG_PATH

PositiveInt = Annotated[int, Field(gt=0)]
Port = Annotated[int, Field(gt=0, le=65535)]
SecretsMode = Literal["doppler", "plain"]
ProductionTemporalMode = Literal["postgres", "external"]
DatabaseMode = Literal["direct", "pooled"]


class ConfigError(Exception):
    """The configuration is wrong; the message lists every problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContainerResources(_Strict):
    """Requests and limits of one container, in millicores and MiB."""

    cpu_request_m: PositiveInt
    cpu_limit_m: PositiveInt
    memory_request_mi: PositiveInt
    memory_limit_mi: PositiveInt

    @model_validator(mode="after")
    def _requests_fit_limits(self) -> ContainerResources:
        if self.cpu_request_m > self.cpu_limit_m:
            raise ValueError("cpu_request_m must not exceed cpu_limit_m")
        if self.memory_request_mi > self.memory_limit_mi:
            raise ValueError("memory_request_mi must not exceed memory_limit_mi")
        return self


class PreviewResources(_Strict):
    web: ContainerResources
    migrate: ContainerResources
    worker: ContainerResources
    temporal_dev_server: ContainerResources
    temporal_ui: ContainerResources


class ProductionResources(_Strict):
    web: ContainerResources
    migrate: ContainerResources
    worker: ContainerResources
    temporal_server: ContainerResources
    temporal_ui: ContainerResources
    temporal_schema: ContainerResources


class Resources(_Strict):
    preview: PreviewResources
    production: ProductionResources


class Images(_Strict):
    """Third-party images, pinned; the app image comes from `--image`."""

    temporal_ui: str
    temporal_server: str
    temporal_admin_tools: str

    @field_validator("temporal_ui", "temporal_server", "temporal_admin_tools")
    @classmethod
    def _pinned(cls, value: str) -> str:
        return require_image_ref(value, "image")


class Doppler(_Strict):
    project: str
    token_secret: str
    resync_seconds: PositiveInt = 60

    @field_validator("project")
    @classmethod
    def _project(cls, value: str) -> str:
        return require_dns_subdomain(value, "doppler.project")

    @field_validator("token_secret")
    @classmethod
    def _token_secret(cls, value: str) -> str:
        return require_dns_subdomain(value, "doppler.token_secret")


class Network(_Strict):
    ingress_controller_namespace: str
    dns_namespace: str
    dns_pod_labels: dict[str, str]
    https_egress_ports: list[Port]
    private_cidrs: list[str]

    @field_validator("ingress_controller_namespace", "dns_namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        return require_dns_label(value, "network namespace")

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


class EnvironmentSettings(_Strict):
    """What differs between preview, permanent preview and production, besides names."""

    doppler_config: str
    # Secrets for Temporal's own containers (never given to the app): its own Doppler config.
    temporal_doppler_config: str = ""
    database_cidr: str
    database_port: Port = 5432
    # pooled: pods reach PgBouncer at database_cidr:database_port (docs/deployment.md)
    database_mode: DatabaseMode = "direct"
    web_workers: PositiveInt
    web_threads: PositiveInt
    db_pool_size: PositiveInt
    temporal_ui_write_actions: bool  # honoured only behind authentication
    temporal_ui_oidc: OidcAuth | None = None
    temporal_ui_ingress_auth: IngressAuth | None = None
    temporal_ui_accepted_risk: str = ""
    # Optional protection of the app host: external auth, or basic auth from a Secret (its
    # `auth` key, htpasswd lines) that an operator creates in the namespace; never rendered.
    app_ingress_auth: IngressAuth | None = None
    app_basic_auth_secret: str = ""

    @field_validator("app_basic_auth_secret")
    @classmethod
    def _basic_secret(cls, value: str) -> str:
        return value and require_dns_subdomain(value, "app_basic_auth_secret")

    @field_validator("doppler_config")
    @classmethod
    def _doppler_config(cls, value: str) -> str:
        return require_sql_identifier(value, "doppler_config")

    @field_validator("temporal_doppler_config")
    @classmethod
    def _temporal_doppler_config(cls, value: str) -> str:
        return value and require_sql_identifier(value, "temporal_doppler_config")

    @field_validator("temporal_ui_accepted_risk")
    @classmethod
    def _risk(cls, value: str) -> str:
        if value and value not in ACCEPTED_UI_RISKS:
            raise ValueError(f"must be empty or one of: {', '.join(sorted(ACCEPTED_UI_RISKS))}")
        return value

    @model_validator(mode="after")
    def _temporal_secrets_apart(self) -> EnvironmentSettings:
        if self.temporal_ui_oidc and not self.temporal_doppler_config:
            raise ValueError(
                "temporal_ui_oidc needs temporal_doppler_config: the Doppler config holding "
                "TEMPORAL_AUTH_CLIENT_SECRET, apart from the app's"
            )
        if self.temporal_doppler_config == self.doppler_config:
            raise ValueError("temporal_doppler_config must differ from doppler_config")
        return self

    @property
    def temporal_ui_authenticated(self) -> bool:
        return self.temporal_ui_oidc is not None or self.temporal_ui_ingress_auth is not None

    @field_validator("database_cidr")
    @classmethod
    def _database_cidr(cls, value: str) -> str:
        return require_cidr(value, "database_cidr")


class ProductionScaling(_Strict):
    web_min_replicas: Annotated[int, Field(ge=2)]
    web_max_replicas: PositiveInt
    worker_min_replicas: PositiveInt
    worker_max_replicas: PositiveInt
    cpu_utilization_percent: Annotated[int, Field(gt=0, le=100)]

    @model_validator(mode="after")
    def _ranges(self) -> ProductionScaling:
        if self.web_max_replicas < self.web_min_replicas:
            raise ValueError("web_max_replicas must be at least web_min_replicas")
        if self.worker_max_replicas < self.worker_min_replicas:
            raise ValueError("worker_max_replicas must be at least worker_min_replicas")
        return self


class ProductionTemporal(_Strict):
    """Production Temporal: our own server on PostgreSQL, or an external cluster."""

    mode: ProductionTemporalMode
    # the Temporal namespace web and worker use (TEMPORAL_NAMESPACE); postgres mode registers it
    namespace: str = "default"
    # external mode
    address: str = ""
    tls: bool = False
    external_ui_url: str = ""
    # postgres mode
    postgres_host: str = ""
    postgres_port: Port = 5432
    postgres_user: str = "temporal"
    postgres_tls: bool = True
    database: str = "temporal"
    visibility_database: str = "temporal_visibility"
    database_cidr: str = "0.0.0.0/32"
    history_shards: PositiveInt = 512
    replicas: PositiveInt = 1

    @field_validator("database", "visibility_database", "postgres_user")
    @classmethod
    def _identifier(cls, value: str) -> str:
        return require_sql_identifier(value, "production temporal database name")

    @field_validator("database_cidr")
    @classmethod
    def _database_cidr(cls, value: str) -> str:
        return require_cidr(value, "temporal.database_cidr")

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        return require_dns_subdomain(value, "production_temporal.namespace")

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


class Pooler(_Strict):
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


class Registry(_Strict):
    """A private registry: pods pull with `pull_secret`, which deploy creates from a token."""

    pull_secret: str = ""  # empty: the image package is public, pods pull anonymously
    server: str = "ghcr.io"

    @field_validator("pull_secret")
    @classmethod
    def _secret(cls, value: str) -> str:
        return value and require_dns_subdomain(value, "registry.pull_secret")

    @field_validator("server")
    @classmethod
    def _server(cls, value: str) -> str:
        return require_dns_subdomain(value, "registry.server")


class PreviewSelection(_Strict):
    """Which pull requests get a preview (envctl/model/preview_policy.py)."""

    mode: Literal["all", "opt-in"] = "all"
    opt_out_label: str = "no-preview"
    opt_in_label: str = "preview"
    skip_authors: list[str] = ["dependabot[bot]", "renovate[bot]"]


class PreviewTemporal(_Strict):
    """The dev server's SQLite file of both preview kinds, on a PersistentVolumeClaim."""

    storage_class: str
    storage_mi: PositiveInt = 1024

    @field_validator("storage_class")
    @classmethod
    def _class(cls, value: str) -> str:
        return require_dns_subdomain(value, "preview_temporal.storage_class")


class Environments(_Strict):
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


class Config(_Strict):
    domain: str
    namespace_prefix: str = "pr-"
    image_repository: str
    default_image_tag: str
    ingress_class: str
    tls_issuer: str = ""
    secrets_mode: SecretsMode
    images: Images
    doppler: Doppler
    network: Network
    environments: Environments
    production_scaling: ProductionScaling
    production_temporal: ProductionTemporal
    preview_temporal: PreviewTemporal
    previews: PreviewSelection = PreviewSelection()
    registry: Registry = Registry()
    resources: Resources
    pooler: Pooler = Pooler()

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        return require_domain(value, "domain")

    @field_validator("namespace_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        return require_namespace_prefix(value, "namespace_prefix")

    @field_validator("image_repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        return require_image_repository(value, "image_repository")

    @field_validator("ingress_class")
    @classmethod
    def _ingress_class(cls, value: str) -> str:
        return require_dns_subdomain(value, "ingress_class")

    @field_validator("tls_issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        return value and require_dns_subdomain(value, "tls_issuer")

    @model_validator(mode="after")
    def _production_is_not_pooled(self) -> Config:
        if self.environments.production.database_mode != "direct":
            raise ValueError(
                "environments.production.database_mode must be 'direct': the pooler fronts "
                "the shared preview PostgreSQL, production has its own database"
            )
        return self

    @model_validator(mode="after")
    def _temporal_database_secret_apart(self) -> Config:
        production = self.environments.production
        if self.production_temporal.mode == "postgres" and not production.temporal_doppler_config:
            raise ValueError(
                "production_temporal.mode 'postgres' needs "
                "environments.production.temporal_doppler_config (the Doppler config with "
                "TEMPORAL_DB_PASSWORD, apart from the app's)"
            )
        return self

    @model_validator(mode="after")
    def _default_image_is_pinned(self) -> Config:
        require_image_ref(f"{self.image_repository}:{self.default_image_tag}", "default_image_tag")
        return self


def parse_config(data: dict[str, Any], source: str) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        lines = [
            f"  - {item.field or '(top level)'}: {item.message}" for item in field_errors(error)
        ]
        raise ConfigError(f"invalid configuration in {source}:\n" + "\n".join(lines)) from None


def read_config_data(path: Path | None) -> tuple[dict[str, Any], str]:
    """Read the TOML file: `path`, else `deploy/envctl.toml` here, else the repository's."""
    candidates = [path] if path is not None else [DEFAULT_CONFIG_PATH, REPO_CONFIG_PATH]
    for candidate in candidates:
        if candidate.is_file():
            try:
                return tomllib.loads(candidate.read_text(encoding="utf-8")), str(candidate)
            except tomllib.TOMLDecodeError as error:
                raise ConfigError(f"invalid configuration in {candidate}: {error}") from None
    shown = ", ".join(str(candidate) for candidate in candidates)
    raise ConfigError(f"configuration file not found (looked for {shown}); pass --config PATH")


def load_config(path: Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Load and check the config; `overrides` (from flags) replace top-level keys."""
    data, source = read_config_data(path)
    merged = {
        **data,
        **{key: value for key, value in (overrides or {}).items() if value is not None},
    }
    return parse_config(merged, source)


__all__ = [
    "Config",
    "ConfigError",
    "ContainerResources",
    "InputError",
    "Pooler",
    "load_config",
    "parse_config",
]
