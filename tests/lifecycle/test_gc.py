"""`envctl gc`: which previews expire and why; never the permanent preview or production."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from envctl.commands.gc import judge
from envctl.model.config import load_config
from tests.lifecycle.conftest import Lifecycle

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def namespace(
    name: str, kind: str, deployed: datetime, pr: int | None = None, **labels: str
) -> dict[str, object]:
    all_labels = {
        "app.kubernetes.io/managed-by": "envctl",
        "app.kubernetes.io/instance": name,
        "envctl/env-kind": kind,
        "envctl/deployed-at": deployed.strftime("%Y%m%dT%H%M%SZ"),
        **labels,
    }
    if pr is not None:
        all_labels["envctl/pr"] = str(pr)
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": all_labels},
    }


def verdict(item: dict[str, object], state: str | None = "open") -> tuple[bool, str]:
    result = judge(
        item, config=load_config(), now=NOW, ttl=timedelta(days=3), pr_state=lambda _: state
    )
    return result.expire, result.reason


def test_a_preview_of_a_closed_pr_expires() -> None:
    assert verdict(namespace("pr-1", "preview", NOW, 1), "closed") == (True, "PR #1 is closed")


def test_a_preview_idle_longer_than_the_ttl_expires() -> None:
    old = namespace("pr-2", "preview", NOW - timedelta(days=3, hours=2), 2)
    assert verdict(old) == (True, "idle 3d2h (TTL 3d)")
    assert verdict(namespace("pr-3", "preview", NOW - timedelta(days=2), 3)) == (
        False,
        "active: deployed 2d ago, PR open",
    )


def test_the_keep_label_exempts_a_preview() -> None:
    kept = namespace("pr-4", "preview", NOW - timedelta(days=30), 4, **{"envctl/keep": "true"})
    assert verdict(kept, "closed") == (False, "kept (envctl/keep=true)")


@pytest.mark.parametrize(
    ("name", "kind", "pr"),
    [
        ("preview", "permanent-preview", None),
        ("production", "production", None),
        ("production", "production", 5),
    ],
)
def test_the_permanent_preview_and_production_are_never_selected(
    name: str, kind: str, pr: int | None
) -> None:
    ancient = namespace(name, kind, NOW - timedelta(days=400), pr)
    assert verdict(ancient, "closed") == (False, f"{kind}: never expired")


def test_a_preview_label_on_a_namespace_the_model_would_not_name_so_is_left_alone() -> None:
    impostor = namespace("production", "preview", NOW - timedelta(days=400), 5)
    assert verdict(impostor, "closed") == (False, "name does not match PR 5 (pr-5): left alone")
    unreadable = namespace(
        "pr-6", "preview", NOW - timedelta(days=400), None, **{"envctl/pr": "6; rm"}
    )
    assert verdict(unreadable, "closed") == (False, "unreadable envctl/pr label: left alone")


def seed(lifecycle: Lifecycle) -> None:
    now = datetime.now(UTC)
    for item in (
        namespace("pr-70", "preview", now - timedelta(days=5), 70),
        namespace("pr-71", "preview", now - timedelta(hours=1), 71),
        namespace("pr-72", "preview", now - timedelta(days=9), 72, **{"envctl/keep": "true"}),
        namespace("preview", "permanent-preview", now - timedelta(days=90)),
        namespace("production", "production", now - timedelta(days=90)),
    ):
        lifecycle.cluster.add(item)
    with lifecycle.admin() as connection:
        connection.execute("CREATE ROLE app_pr_70 LOGIN")
        connection.execute("CREATE DATABASE app_pr_70 OWNER app_pr_70")


def test_without_apply_gc_only_reports(lifecycle: Lifecycle) -> None:
    seed(lifecycle)
    code, out, err = lifecycle.run("gc", "--ttl", "3d")
    assert code == 0, err
    assert "  EXPIRE  pr-70       idle 5d (TTL 3d)" in out
    assert "  keep    pr-71       active: deployed 1h ago, PR state unknown" in out
    assert "  keep    pr-72       kept (envctl/keep=true)" in out
    assert "  keep    preview     permanent-preview: never expired" in out
    assert "  keep    production  production: never expired" in out
    assert "dry run: 1 preview(s) would be destroyed; pass --apply to destroy them" in out
    assert not [c for c in lifecycle.cluster.calls() if c.argv[0] == "delete"]
    assert lifecycle.database_exists("app_pr_70")


def test_gc_apply_destroys_the_expired_previews_only(lifecycle: Lifecycle) -> None:
    seed(lifecycle)
    code, out, err = lifecycle.run("gc", "--ttl", "3d", "--apply")
    assert code == 0, err
    assert "destroyed 1 of 1 expired preview(s)" in out
    assert lifecycle.cluster.get("Namespace", "pr-70") is None
    assert not lifecycle.database_exists("app_pr_70") and not lifecycle.role_exists("app_pr_70")
    for kept in ("pr-71", "pr-72", "preview", "production"):
        assert lifecycle.cluster.get("Namespace", kept) is not None


def test_gc_apply_needs_the_admin_url_before_it_deletes_anything(lifecycle: Lifecycle) -> None:
    seed(lifecycle)
    code, _, err = lifecycle.run("gc", "--apply", ENVCTL_DATABASE_ADMIN_URL="")
    assert code == 2 and err.startswith("envctl: invalid ENVCTL_DATABASE_ADMIN_URL")
    assert lifecycle.cluster.calls() == []


@pytest.mark.parametrize("ttl", ["3 days", "0d", "-1h", "3w", "d", "1.5d"])
def test_a_ttl_must_be_a_number_and_a_unit(lifecycle: Lifecycle, ttl: str) -> None:
    code, _, err = lifecycle.run("gc", "--ttl", ttl)
    assert code == 2
    assert err == (
        "envctl: invalid --ttl: expected a positive duration: a number and a unit s, m, h or d, "
        f"such as 3d, 12h or 90m, got {ttl!r}\n"
    )


@pytest.mark.parametrize(("ttl", "seconds"), [("3d", 259200), ("12h", 43200), ("90m", 5400)])
def test_ttls_in_days_hours_and_minutes(ttl: str, seconds: int) -> None:
    from envctl.model.inputs import parse_duration

    assert parse_duration(ttl, "--ttl") == seconds
