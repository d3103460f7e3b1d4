"""Settings: every bad value reported at once, secrets never echoed, the address rule kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import Settings, SettingsError, load_settings
from app.temporal_address import AddressRule, AppEnv

ROOT = Path(__file__).resolve().parents[2]
PG = "postgresql://app:s3cret-value@db:5432/app"


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    monkeypatch.setenv("APP_ENV_FILE", "/nonexistent/.env")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return load_settings()


def test_development_defaults_to_a_sqlite_file_and_local_temporal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TEMPORAL_SERVER_ADDRESS", raising=False)
    settings = load(monkeypatch, APP_ENV="development", DATA_DIR="/tmp/x")
    assert settings.sqlalchemy_url == "sqlite:////tmp/x/app.db"
    assert settings.temporal_address.address == "localhost:7233"
    assert settings.temporal_address.rule is AddressRule.LOCAL
    assert settings.runs_migrations_on_start


def test_preview_resolves_its_own_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEMPORAL_SERVER_ADDRESS", raising=False)
    settings = load(
        monkeypatch, APP_ENV="preview", PR_NUMBER="42", APP_NAMESPACE="pr-42", DATABASE_URL=PG
    )
    assert settings.temporal_address.address == "temporal-server.pr-42.svc.cluster.local:7233"
    assert settings.temporal_address.rule is AddressRule.PREVIEW
    assert not settings.runs_migrations_on_start
    assert settings.sqlalchemy_url.startswith("postgresql+psycopg://")


def test_setting_wins_over_every_other_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(
        monkeypatch,
        APP_ENV="preview",
        PR_NUMBER="42",
        DATABASE_URL=PG,
        TEMPORAL_SERVER_ADDRESS="temporal.example.com:7233",
    )
    assert settings.temporal_address.address == "temporal.example.com:7233"
    assert settings.temporal_address.rule is AddressRule.SETTING


def test_the_rendered_fallback_counts_only_while_the_setting_is_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = {"APP_ENV": "production", "DATABASE_URL": PG, "TEMPORAL_FALLBACK_TLS": "true"}
    monkeypatch.delenv("TEMPORAL_SERVER_ADDRESS", raising=False)
    monkeypatch.delenv("TEMPORAL_TLS", raising=False)
    fallback = load(monkeypatch, **base, TEMPORAL_FALLBACK_ADDRESS="cloud.example:7233")
    assert (fallback.temporal_address.address, fallback.temporal_address.rule) == (
        "cloud.example:7233",
        AddressRule.FALLBACK,
    )
    assert fallback.temporal_uses_tls  # the fallback's TLS goes with the fallback address
    setting = load(monkeypatch, TEMPORAL_SERVER_ADDRESS="plain.example:7233")
    assert setting.temporal_address.address == "plain.example:7233"
    assert not setting.temporal_uses_tls  # the secret's own TEMPORAL_TLS (unset) decides
    with pytest.raises(SettingsError, match="TEMPORAL_API_KEY: needs TEMPORAL_TLS=true"):
        load(monkeypatch, TEMPORAL_API_KEY="k")


def test_empty_setting_falls_back_to_production_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PR_NUMBER", raising=False)
    settings = load(
        monkeypatch, APP_ENV="production", DATABASE_URL=PG, TEMPORAL_SERVER_ADDRESS="  "
    )
    assert settings.temporal_address.address == (
        "temporal-server.production.svc.cluster.local:7233"
    )
    assert settings.temporal_address.rule is AddressRule.ENVIRONMENT


def test_every_bad_setting_is_listed_once_without_secret_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(SettingsError) as raised:
        load(
            monkeypatch,
            APP_ENV="production",
            PR_NUMBER="7",
            DATABASE_URL="mysql://root:hunter2@db/app",
            WEB_WORKERS="zero",
            APP_NAMESPACE="Not_A_Label",
            TEMPORAL_API_KEY="api-key-secret",
        )
    message = str(raised.value)
    for field in ("PR_NUMBER", "DATABASE_URL", "WEB_WORKERS", "APP_NAMESPACE", "TEMPORAL_API_KEY"):
        assert field in message
    assert "hunter2" not in message
    assert "api-key-secret" not in message


def test_cluster_kinds_require_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(SettingsError, match="DATABASE_URL: required when APP_ENV=preview"):
        load(monkeypatch, APP_ENV="preview", PR_NUMBER="1")
    with pytest.raises(SettingsError, match="must be PostgreSQL"):
        load(monkeypatch, APP_ENV="test", DATABASE_URL="sqlite:////tmp/a.db")


def test_unknown_environment_kind_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError, match="APP_ENV"):
        load(monkeypatch, APP_ENV="staging")
    assert {kind.value for kind in AppEnv} == {"development", "test", "preview", "production"}


@pytest.mark.parametrize(
    "command",
    [
        ["-c", "import app.gunicorn_conf"],
        [str(ROOT / "temporal_server.py")],
        ["-m", "app.migrate"],
        ["-m", "app.seed_demo"],
    ],
    ids=["gunicorn", "worker", "migrate", "seed_demo"],
)
def test_entry_points_stop_with_one_message_and_no_traceback(command: list[str]) -> None:
    env = {"APP_ENV": "production", "WEB_WORKERS": "-1", "APP_ENV_FILE": "/nonexistent/.env"}
    result = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "invalid settings:" in result.stderr
    assert "DATABASE_URL: required when APP_ENV=production" in result.stderr
    assert "WEB_WORKERS" in result.stderr
    assert "Traceback" not in result.stderr


def test_change_notifications_listen_directly_never_through_a_transaction_pooler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_LISTEN_URL", raising=False)
    direct = load(monkeypatch, APP_ENV="test", DATABASE_URL=PG, DB_TRANSACTION_POOLING="false")
    assert direct.listen_url == PG
    # LISTEN needs a session connection; PgBouncer in transaction mode does not keep one.
    pooled = load(monkeypatch, APP_ENV="test", DATABASE_URL=PG, DB_TRANSACTION_POOLING="true")
    assert pooled.listen_url is None
    server = "postgresql://app:s3cret-value@db-direct:5432/app"
    chosen = load(
        monkeypatch,
        APP_ENV="test",
        DATABASE_URL=PG,
        DB_TRANSACTION_POOLING="true",
        DATABASE_LISTEN_URL=server,
    )
    assert chosen.listen_url == server
