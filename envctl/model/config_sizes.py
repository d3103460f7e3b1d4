"""Config sections for what runs: container sizes, images, scaling and per-kind settings."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from envctl.model.config_auth import ACCEPTED_UI_RISKS, IngressAuth, OidcAuth
from envctl.model.config_base import (
    DatabaseMode,
    Port,
    PositiveInt,
    Strict,
    checked,
)
from envctl.model.inputs import (
    require_cidr,
    require_dns_subdomain,
    require_image_ref,
    require_sql_identifier,
)

PinnedImage = Annotated[str, checked(require_image_ref, "image")]


class ContainerResources(Strict):
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


class PreviewResources(Strict):
    web: ContainerResources
    migrate: ContainerResources
    worker: ContainerResources
    temporal_dev_server: ContainerResources
    temporal_ui: ContainerResources


class ProductionResources(Strict):
    web: ContainerResources
    migrate: ContainerResources
    worker: ContainerResources
    temporal_server: ContainerResources
    temporal_ui: ContainerResources
    temporal_schema: ContainerResources


class Resources(Strict):
    preview: PreviewResources
    production: ProductionResources


class Images(Strict):
    """Third-party images, pinned; the app image comes from `--image`."""

    temporal_ui: PinnedImage
    temporal_server: PinnedImage
    temporal_admin_tools: PinnedImage


class EnvironmentSettings(Strict):
    """What differs between preview, permanent preview and production, besides names."""

    doppler_config: Annotated[str, checked(require_sql_identifier, "doppler_config")]
    # Secrets for Temporal's own containers (never given to the app): its own Doppler config.
    temporal_doppler_config: Annotated[
        str, checked(require_sql_identifier, "temporal_doppler_config", optional=True)
    ] = ""
    database_cidr: Annotated[str, checked(require_cidr, "database_cidr")]
    database_port: Port = 5432
    # pooled: pods reach PgBouncer at database_cidr:database_port (docs/deployment.md)
    database_mode: DatabaseMode = "direct"
    web_workers: PositiveInt
    web_threads: Annotated[int, Field(ge=5)]  # the app's long polls may hold all but 4
    db_pool_size: PositiveInt
    temporal_ui_write_actions: bool  # honoured only behind authentication
    temporal_ui_oidc: OidcAuth | None = None
    temporal_ui_ingress_auth: IngressAuth | None = None
    temporal_ui_accepted_risk: str = ""
    # Optional protection of the app host: external auth, or basic auth from a Secret (its
    # `auth` key, htpasswd lines) that an operator creates in the namespace; never rendered.
    app_ingress_auth: IngressAuth | None = None
    app_basic_auth_secret: Annotated[
        str, checked(require_dns_subdomain, "app_basic_auth_secret", optional=True)
    ] = ""

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


class ProductionScaling(Strict):
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
