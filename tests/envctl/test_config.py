"""The committed config loads; a bad one fails with every problem named."""

from __future__ import annotations

from pathlib import Path

import pytest

from envctl.model.config import ConfigError, load_config, parse_config
from tests.envctl.conftest import config_data, config_with


def test_the_committed_config_loads(config: object) -> None:
    loaded = load_config(Path("deploy/envctl.toml"))
    assert loaded.domain == "preview-stack.example.com"
    assert loaded.secrets_mode == "doppler"
    assert loaded.images.temporal_ui.startswith("docker.io/temporalio/ui:")


def test_flags_override_top_level_keys() -> None:
    loaded = load_config(None, {"domain": "acme.dev", "secrets_mode": "plain", "tls_issuer": None})
    assert (loaded.domain, loaded.secrets_mode) == ("acme.dev", "plain")
    assert loaded.tls_issuer == "letsencrypt"  # None means "not given"


def test_every_problem_is_listed_with_its_place() -> None:
    data = config_data()
    data["domain"] = "not a domain"
    data["images"] = {**data["images"], "temporal_ui": "temporalio/ui:latest"}
    data["resources"]["preview"]["web"] = {
        "cpu_request_m": 900,
        "cpu_limit_m": 100,
        "memory_request_mi": 1,
        "memory_limit_mi": 1,
    }
    with pytest.raises(ConfigError) as raised:
        parse_config(data, "deploy/envctl.toml")
    message = str(raised.value)
    assert message.startswith("invalid configuration in deploy/envctl.toml:")
    assert "domain: invalid domain: expected a DNS domain" in message
    assert "images.temporal_ui: invalid image" in message
    assert "resources.preview.web: cpu_request_m must not exceed cpu_limit_m" in message


def test_unknown_keys_are_rejected_not_ignored() -> None:
    data = config_data()
    data["ingres_class"] = "nginx"
    with pytest.raises(ConfigError, match="ingres_class: Extra inputs are not permitted"):
        parse_config(data, "test")


def test_external_temporal_needs_an_address() -> None:
    with pytest.raises(ConfigError, match="mode 'external' needs address 'host:port'"):
        config_with(production_temporal={"mode": "external"})


def test_the_temporal_namespace_must_be_a_dns_name() -> None:
    temporal = {"mode": "postgres", "postgres_host": "db.internal", "namespace": "My Space"}
    with pytest.raises(ConfigError, match=r"production_temporal\.namespace"):
        config_with(production_temporal=temporal)


def test_a_missing_or_broken_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("domain = ", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid configuration in"):
        load_config(broken)


def test_production_web_needs_two_replicas_for_its_disruption_budget() -> None:
    with pytest.raises(ConfigError, match="web_min_replicas"):
        config_with(production_scaling={"web_min_replicas": 1})


def test_production_cannot_be_pooled_and_the_pool_must_fit_its_cap() -> None:
    data = config_data()
    data["environments"]["production"]["database_mode"] = "pooled"
    with pytest.raises(ConfigError, match=r"production\.database_mode must be 'direct'"):
        parse_config(data, "test")
    with pytest.raises(ConfigError, match="default_pool_size must not exceed max_db_connections"):
        config_with(pooler={"default_pool_size": 5, "max_db_connections": 2})
    pooled = config_data()
    pooled["environments"]["preview"]["database_mode"] = "pooled"
    assert parse_config(pooled, "test").environments.preview.database_mode == "pooled"


def test_web_threads_leave_room_for_a_long_poll_beside_the_reserved_four() -> None:
    data = config_data()
    data["environments"]["preview"]["web_threads"] = 4
    with pytest.raises(ConfigError, match=r"preview\.web_threads: .*greater than or equal to 5"):
        parse_config(data, "test")
