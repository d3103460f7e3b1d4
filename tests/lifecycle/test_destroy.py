"""`envctl destroy`: refusals, what it deletes and in which order, and what it leaves alone."""

from __future__ import annotations

from devstack.deploy_inputs import IMAGE
from tests.lifecycle.conftest import Lifecycle

DRAIN_WORKLOADS = ["delete", "deployments.apps,jobs.batch", "--all"]
DRAIN_CLAIMS = ["delete", "persistentvolumeclaims", "--all"]


def namespace(name: str, kind: str, **labels: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "labels": {
                "app.kubernetes.io/managed-by": "envctl",
                "app.kubernetes.io/instance": name,
                "envctl/env-kind": kind,
                **labels,
            },
        },
    }


def test_production_is_refused_without_the_flag_that_says_so(lifecycle: Lifecycle) -> None:
    lifecycle.cluster.add(namespace("production", "production"))
    code, out, err = lifecycle.run("destroy", "production")
    assert (code, out) == (2, "")
    assert err == (
        "envctl: invalid ENV: expected preview or permanent-preview; destroying production also "
        "needs --destroy-production, got 'production'\n"
    )
    assert lifecycle.cluster.calls() == []
    assert lifecycle.cluster.get("Namespace", "production") is not None


def test_production_with_the_flag_deletes_its_namespace_and_no_database(
    lifecycle: Lifecycle,
) -> None:
    lifecycle.cluster.add(namespace("production", "production"))
    code, out, err = lifecycle.run(
        "destroy", "production", "--destroy-production", ENVCTL_DATABASE_ADMIN_URL=""
    )
    assert code == 0, err
    assert "namespace production: deleted" in out
    assert "database" not in out  # production's database is not envctl's to drop
    assert lifecycle.cluster.get("Namespace", "production") is None


def test_a_namespace_without_the_managed_by_label_is_never_touched(lifecycle: Lifecycle) -> None:
    lifecycle.cluster.add({"kind": "Namespace", "metadata": {"name": "pr-60", "labels": {}}})
    with lifecycle.admin() as connection:
        connection.execute("CREATE ROLE app_pr_60 LOGIN")
    code, _, err = lifecycle.run("destroy", "preview", "--pr", "60")
    assert code == 1
    assert err.startswith(
        "envctl destroy: namespace pr-60 exists but lacks the label "
        "app.kubernetes.io/managed-by=envctl; envctl never touches a namespace it did not create"
    )
    assert not [c for c in lifecycle.cluster.calls() if c.argv[0] == "delete"]
    assert lifecycle.cluster.get("Namespace", "pr-60") is not None
    assert lifecycle.role_exists("app_pr_60")


def test_the_database_is_kept_while_the_namespace_is_still_terminating(
    lifecycle: Lifecycle,
) -> None:
    assert (
        lifecycle.run("deploy", "preview", "--pr", "61", "--image", IMAGE, "--skip-smoke")[0] == 0
    )
    lifecycle.cluster.fail("delete", "namespaces", exit=0, stdout='namespace "pr-61" deleted\n')
    code, _, err = lifecycle.run("destroy", "preview", "--pr", "61", "--timeout", "30s")
    assert code == 1
    assert "namespace pr-61 still exists after 30s (a finalizer?); the database is kept" in err
    assert lifecycle.database_exists("app_pr_61")
    lifecycle.cluster.heal()
    assert lifecycle.run("destroy", "preview", "--pr", "61")[0] == 0
    assert not lifecycle.database_exists("app_pr_61")


def test_destroy_waits_for_the_namespace_then_drops_the_database(lifecycle: Lifecycle) -> None:
    assert (
        lifecycle.run("deploy", "preview", "--pr", "62", "--image", IMAGE, "--skip-smoke")[0] == 0
    )
    lifecycle.cluster.forget_calls()
    code, _, err = lifecycle.run("destroy", "preview", "--pr", "62", "--timeout", "2m")
    assert code == 0, err
    deletes = [c.argv for c in lifecycle.cluster.calls() if c.argv[0] == "delete"]
    assert [d[:3] for d in deletes] == [
        DRAIN_WORKLOADS,
        DRAIN_CLAIMS,
        ["delete", "namespaces", "pr-62"],
    ]
    assert all("--wait=true" in d for d in deletes)
    assert "--cascade=foreground" in deletes[0]  # the Deployments go only once their pods have
    # One deadline for all three: each waits at most what is left of the 2 minutes.
    timeouts = [int(next(a for a in d if a.startswith("--timeout="))[10:-1]) for d in deletes]
    assert 110 <= timeouts[-1] <= timeouts[0] <= 120
    assert lifecycle.cluster.get("Namespace", "pr-62") is None
    assert not lifecycle.database_exists("app_pr_62")


def test_destroy_drains_pods_and_claims_before_it_deletes_the_namespace(
    lifecycle: Lifecycle,
) -> None:
    """What the namespace controller finds when the namespace is deleted, read from the server:
    no pod (so no wait estimated from their grace period) and no claim (no finalizer to wait on)."""
    assert (
        lifecycle.run("deploy", "preview", "--pr", "66", "--image", IMAGE, "--skip-smoke")[0] == 0
    )
    cluster = lifecycle.cluster
    assert cluster.names("Pod", "pr-66") and cluster.names("PersistentVolumeClaim", "pr-66")
    # The namespace's own delete is answered without reaching the server: destroy stops there.
    cluster.fail("delete", "namespaces", exit=0, stdout='namespace "pr-66" deleted\n')
    code, _, err = lifecycle.run("destroy", "preview", "--pr", "66")
    assert code == 1
    assert "namespace pr-66 still exists" in err
    namespace = cluster.get("Namespace", "pr-66")
    assert namespace is not None and namespace["status"]["phase"] == "Active"
    for kind in ("Deployment", "ReplicaSet", "Pod", "PersistentVolumeClaim"):
        assert cluster.names(kind, "pr-66") == set(), kind
    # What holds no pod and no finalizer is left for the namespace controller.
    assert cluster.names("Service", "pr-66") == {"temporal-server", "temporal-ui", "web"}
    assert lifecycle.database_exists("app_pr_66")
    cluster.heal()
    assert lifecycle.run("destroy", "preview", "--pr", "66")[0] == 0
    assert cluster.get("Namespace", "pr-66") is None


def test_an_unreachable_cluster_stops_destroy_before_the_database(lifecycle: Lifecycle) -> None:
    with lifecycle.admin() as connection:
        connection.execute("CREATE ROLE app_pr_63 LOGIN")
    lifecycle.cluster.fail("auth", stderr="Unable to connect to the server: EOF\n")
    code, _, err = lifecycle.run("destroy", "preview", "--pr", "63")
    assert code == 1
    assert "cannot reach the cluster" in err
    assert lifecycle.role_exists("app_pr_63")


def test_a_namespace_left_without_its_database_is_still_cleaned_up(lifecycle: Lifecycle) -> None:
    with lifecycle.admin() as connection:
        connection.execute("CREATE ROLE app_pr_64 LOGIN")
        connection.execute("CREATE DATABASE app_pr_64 OWNER app_pr_64")
    code, out, err = lifecycle.run("destroy", "preview", "--pr", "64")
    assert code == 0, err
    assert "namespace pr-64: already gone" in out
    assert "database app_pr_64 and role app_pr_64: dropped" in out
    assert "destroy preview pr-64: destroyed" in out


def test_destroy_deletes_the_temporal_state_claim_with_the_namespace(
    lifecycle: Lifecycle,
) -> None:
    assert (
        lifecycle.run("deploy", "preview", "--pr", "65", "--image", IMAGE, "--skip-smoke")[0] == 0
    )
    assert lifecycle.cluster.get("PersistentVolumeClaim", "temporal-data", "pr-65") is not None
    code, _, err = lifecycle.run("destroy", "preview", "--pr", "65")
    assert code == 0, err
    assert lifecycle.cluster.get("PersistentVolumeClaim", "temporal-data", "pr-65") is None
