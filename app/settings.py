"""One settings object for every environment kind.

Values come from the process environment (Doppler injects them in Kubernetes) and
from a git-ignored `.env` file for local use. `load_settings` reports every bad
setting at once, as one message, so a misconfigured pod says everything in one log line.
"""

from __future__ import annotations

import os
import sys
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.field_errors import field_errors
from app.temporal_address import (
    AddressRule,
    AppEnv,
    ResolvedAddress,
    is_dns_label,
    resolve_temporal_address,
)

ROOT = Path(__file__).resolve().parent.parent
CLUSTER_KINDS = (AppEnv.PREVIEW, AppEnv.PRODUCTION)
SECRET_FIELDS = frozenset(
    {"database_url", "database_listen_url", "temporal_api_key", "smtp_password"}
)

PositiveInt = Annotated[int, Field(gt=0)]
Port = Annotated[int, Field(ge=0, le=65535)]


EXIT_BAD_SETTINGS = 2


class SettingsError(Exception):
    """Start-up configuration is wrong; the message lists every problem."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    app_env: AppEnv = AppEnv.DEVELOPMENT
    pr_number: PositiveInt | None = Field(default=None, validate_default=True)
    app_namespace: str | None = None
    git_commit: str = "unknown"
    data_dir: Path = ROOT / "var"
    frontend_dist: Path = ROOT / "frontend" / "dist"
    public_url: str | None = None

    database_url: str | None = Field(default=None, validate_default=True)
    db_pool_size: PositiveInt = 5
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    # Behind PgBouncer in transaction mode (pooled previews): no server-side prepared statements.
    db_transaction_pooling: bool = False
    migrate_on_start: bool | None = None
    # LISTEN needs a session connection: with a transaction-mode pooler, the direct server.
    database_listen_url: str | None = None

    temporal_server_address: str | None = None
    # Rendered by envctl; read only while TEMPORAL_SERVER_ADDRESS is unset.
    temporal_fallback_address: str | None = None
    temporal_fallback_tls: bool = False
    temporal_namespace: str = "default"
    temporal_task_queue: str = "app-jobs"
    temporal_tls: bool = False
    temporal_api_key: SecretStr | None = Field(default=None, validate_default=True)
    temporal_ui_url: str | None = None
    temporal_rpc_timeout_seconds: float = Field(default=5.0, gt=0)

    web_port: Port = 8080
    web_workers: PositiveInt = 2
    # Threads per gunicorn worker. Long polls may hold all but 4 of them
    # (app/api/long_polls.py), so at least one can wait; a waiting thread costs no CPU, and
    # gthread starts threads only as requests need them. 64: 50 callers waiting on jobs
    # fit even when they all reach one worker (at 32, 465 of 2,500 bench jobs were told to
    # come back after a second).
    web_threads: int = Field(default=64, ge=5)
    max_request_bytes: PositiveInt = 256 * 1024
    job_input_max_bytes: PositiveInt = 64 * 1024
    job_wait_max_seconds: float = Field(default=30.0, gt=0)
    job_reconcile_interval_seconds: float = Field(default=2.0, gt=0)
    job_state_stale_after_seconds: float = Field(default=15.0, gt=0)

    token_ttl_seconds: PositiveInt = 12 * 3600
    # How long a web process trusts a token it verified (a logout's NOTIFY evicts it sooner).
    token_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    login_max_failures: PositiveInt = 5
    login_failure_window_seconds: PositiveInt = 900

    worker_health_port: Port = 8081
    worker_metrics_port: Port = 9464
    worker_connect_timeout_seconds: float = Field(default=60.0, gt=0)
    worker_shutdown_grace_seconds: float = Field(default=20.0, ge=0)
    worker_max_concurrent_activities: PositiveInt = 50
    # Set: the worker polls as Worker Deployment version `<name>.<GIT_COMMIT>` (production).
    worker_deployment_name: str | None = None
    healthcheck_interval_seconds: PositiveInt = 60
    reminder_interval_seconds: PositiveInt = 900
    healthcheck_target_url: str | None = None

    smtp_host: str = "localhost"
    smtp_port: Port = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_sender: str = "jobs@localhost"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)

    @field_validator("app_namespace")
    @classmethod
    def _namespace_is_dns_label(cls, value: str | None) -> str | None:
        if value is not None and not is_dns_label(value):
            raise ValueError("must be a DNS-1123 label: lowercase letters, digits and '-'")
        return value

    @field_validator("pr_number")
    @classmethod
    def _no_pr_in_production(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("app_env") is AppEnv.PRODUCTION:
            raise ValueError("must be unset when APP_ENV=production")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url_fits_kind(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("app_env")
        if value is None or value == "":
            if kind in (AppEnv.TEST, *CLUSTER_KINDS):
                raise ValueError(f"required when APP_ENV={kind}")
            return None
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        if not value.startswith(("postgresql+psycopg://", "sqlite:///")):
            raise ValueError("must be a postgresql:// or sqlite:/// URL")
        if kind in (AppEnv.TEST, *CLUSTER_KINDS) and value.startswith("sqlite"):
            raise ValueError(f"must be PostgreSQL when APP_ENV={kind}")
        return value

    @field_validator("worker_deployment_name")
    @classmethod
    def _deployment_needs_a_build(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        if not is_dns_label(value):
            raise ValueError("must be a DNS-1123 label: lowercase letters, digits and '-'")
        if info.data.get("git_commit", "unknown") == "unknown":
            raise ValueError("needs GIT_COMMIT, the build ID the worker registers with")
        return value

    @field_validator("database_listen_url")
    @classmethod
    def _listen_url_is_postgres(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        value = value.replace("postgresql+psycopg://", "postgresql://", 1)
        if not value.startswith("postgresql://"):
            raise ValueError("must be a postgresql:// URL (a direct, session-mode connection)")
        return value

    @field_validator("temporal_api_key")
    @classmethod
    def _api_key_needs_tls(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        tls = info.data.get("temporal_tls") is True
        if not (info.data.get("temporal_server_address") or "").strip():
            tls = tls or info.data.get("temporal_fallback_tls") is True
        if value is not None and not tls:
            raise ValueError("needs TEMPORAL_TLS=true")
        return value

    @cached_property
    def temporal_address(self) -> ResolvedAddress:
        return resolve_temporal_address(
            setting=self.temporal_server_address,
            kind=self.app_env,
            pr_number=self.pr_number,
            namespace=self.app_namespace,
            fallback=self.temporal_fallback_address,
        )

    @property
    def temporal_uses_tls(self) -> bool:
        """TLS follows the address: the fallback's own flag goes with the fallback address."""
        if self.temporal_address.rule is AddressRule.FALLBACK:
            return self.temporal_fallback_tls or self.temporal_tls
        return self.temporal_tls

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url is not None:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'app.db'}"

    @property
    def listen_url(self) -> str | None:
        """Where change notifications are LISTENed for; None means poll (SQLite, or a
        transaction-mode pooler without a direct `DATABASE_LISTEN_URL`)."""
        if self.database_listen_url is not None:
            return self.database_listen_url
        if self.db_transaction_pooling:  # PgBouncer would drop the LISTEN after one statement
            return None
        url = self.sqlalchemy_url
        if url.startswith("postgresql+psycopg://"):
            return "postgresql://" + url.removeprefix("postgresql+psycopg://")
        return None

    @property
    def runs_migrations_on_start(self) -> bool:
        if self.migrate_on_start is not None:
            return self.migrate_on_start
        return self.app_env is AppEnv.DEVELOPMENT

    @property
    def web_base_url(self) -> str:
        return self.healthcheck_target_url or f"http://127.0.0.1:{self.web_port}"


def describe_errors(error: ValidationError) -> str:
    lines = []
    for item in field_errors(error):
        shown = "<redacted>" if item.field.lower() in SECRET_FIELDS else _shown(item.given)
        lines.append(f"  - {item.field.upper()}: {item.message} (got {shown})")
    return "invalid settings:\n" + "\n".join(lines)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def load_settings(**overrides: Any) -> Settings:
    """Read the environment (and `.env`); raise SettingsError listing every problem."""
    env_file = os.environ.get("APP_ENV_FILE", ".env")
    try:
        return Settings(_env_file=env_file, **overrides)
    except ValidationError as error:
        raise SettingsError(describe_errors(error)) from None


def load_settings_or_exit() -> Settings:
    """For a process's entry point: bad settings print their one message and exit 2."""
    try:
        return load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        raise SystemExit(EXIT_BAD_SETTINGS) from None
