"""The envctl configuration: one committed TOML file (`deploy/envctl.toml`), flags override it.

Every value is checked when the file is loaded; a bad file fails with one message that
lists every problem, before anything renders.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import ValidationError, model_validator

from app.field_errors import field_errors
from envctl.model.config_base import SecretsMode, Strict, checked
from envctl.model.config_services import (
    Doppler,
    Environments,
    Network,
    Pooler,
    PreviewSelection,
    PreviewTemporal,
    ProductionTemporal,
    Registry,
)
from envctl.model.config_sizes import Images, ProductionScaling, Resources
from envctl.model.inputs import (
    InputError,
    require_dns_subdomain,
    require_domain,
    require_image_ref,
    require_image_repository,
    require_namespace_prefix,
)

DEFAULT_CONFIG_PATH = Path("deploy") / "envctl.toml"
REPO_CONFIG_PATH = Path(__file__).resolve().parents[2] / DEFAULT_CONFIG_PATH


class ConfigError(Exception):
    """The configuration is wrong; the message lists every problem."""


class Config(Strict):
    domain: Annotated[str, checked(require_domain, "domain")]
    namespace_prefix: Annotated[str, checked(require_namespace_prefix, "namespace_prefix")] = "pr-"
    image_repository: Annotated[str, checked(require_image_repository, "image_repository")]
    default_image_tag: str
    ingress_class: Annotated[str, checked(require_dns_subdomain, "ingress_class")]
    tls_issuer: Annotated[str, checked(require_dns_subdomain, "tls_issuer", optional=True)] = ""
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
    "InputError",
    "Pooler",
    "load_config",
    "parse_config",
]
