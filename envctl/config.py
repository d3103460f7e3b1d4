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

from envctl.inputs import (
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
REPO_CONFIG_PATH = Path(__file__).resolve().parent.parent / DEFAULT_CONFIG_PATH

PositiveInt = Annotated[int, Field(gt=0)]
Port = Annotated[int, Field(gt=0, le=65535)]
SecretsMode = Literal["doppler", "plain"]
TemporalMode = Literal["postgres", "external"]


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
    database_cidr: str
    database_port: Port = 5432
    web_workers: PositiveInt
    web_threads: PositiveInt
    db_pool_size: PositiveInt
    temporal_ui_write_actions: bool

    @field_validator("doppler_config")
    @classmethod
    def _doppler_config(cls, value: str) -> str:
        return require_sql_identifier(value, "doppler_config")

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

    mode: TemporalMode
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


class Environments(_Strict):
    preview: EnvironmentSettings
    permanent_preview: EnvironmentSettings
    production: EnvironmentSettings


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
    resources: Resources

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
    def _default_image_is_pinned(self) -> Config:
        require_image_ref(f"{self.image_repository}:{self.default_image_tag}", "default_image_tag")
        return self


def describe_errors(error: ValidationError, source: str) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"  - {where}: {message}")
    return f"invalid configuration in {source}:\n" + "\n".join(lines)


def parse_config(data: dict[str, Any], source: str) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(describe_errors(error, source)) from None


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
    "load_config",
    "parse_config",
]
