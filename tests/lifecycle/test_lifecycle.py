"""The whole life of a preview through the CLI: deploy, redeploy (no changes), destroy,
destroy again (a no-op), against the real API server and the real shared PostgreSQL."""

from __future__ import annotations

import base64

import psycopg

from devstack.deploy_inputs import COMMIT, IMAGE
from tests.lifecycle.conftest import Lifecycle

PR = "7"


def test_deploy_redeploy_destroy_destroy(lifecycle: Lifecycle) -> None:
    deploy = ("deploy", "preview", "--pr", PR, "--image", IMAGE, "--commit", COMMIT, "--skip-smoke")
    transcript = []

    code, first, err = lifecycle.run(*deploy)
    assert code == 0, err
    transcript += ["$ envctl " + " ".join(deploy), first]
    assert "22 created, 0 changed, 0 unchanged, 0 pruned" in first
    secret = lifecycle.cluster.get("Secret", "app-database", "pr-7")
    assert secret is not None
    url = base64.b64decode(secret["data"]["DATABASE_URL"]).decode()
    with psycopg.connect(url) as connection:  # the preview's own role can use its database
        connection.execute("CREATE TABLE notes (body text)")
        connection.execute("INSERT INTO notes VALUES ('kept across deploys')")
    verifier = lifecycle.rolpassword("app_pr_7")

    lifecycle.cluster.forget_calls()
    code, second, err = lifecycle.run(*deploy)
    assert code == 0, err
    transcript += ["$ envctl " + " ".join(deploy), second]
    assert "0 created, 0 changed, 22 unchanged, 0 pruned" in second
    assert "database app_pr_7: unchanged (password kept" in second
    assert "deployed preview pr-7: nothing changed" in second
    assert not [c for c in lifecycle.cluster.calls() if c.argv[0] == "delete"]
    assert lifecycle.rolpassword("app_pr_7") == verifier  # not even re-salted
    assert lifecycle.cluster.get("Secret", "app-database", "pr-7")["data"] == secret["data"]
    with psycopg.connect(url) as connection:
        assert connection.execute("SELECT body FROM notes").fetchall() == [("kept across deploys",)]

    destroy = ("destroy", "preview", "--pr", PR)
    code, third, err = lifecycle.run(*destroy)
    assert code == 0, err
    transcript += ["$ envctl " + " ".join(destroy), third]
    assert "namespace pr-7: deleted" in third
    assert "database app_pr_7 and role app_pr_7: dropped" in third
    # Finalized by the namespace controller before destroy returned: nothing of any namespaced
    # type the server offers is left in it.
    assert lifecycle.cluster.get("Namespace", "pr-7") is None
    assert len(lifecycle.cluster.namespaced_resources()) > 20
    assert lifecycle.cluster.objects(namespace="pr-7") == []
    assert not lifecycle.database_exists("app_pr_7")
    assert not lifecycle.role_exists("app_pr_7")

    lifecycle.cluster.forget_calls()
    code, fourth, err = lifecycle.run(*destroy)
    assert code == 0, err
    transcript += ["$ envctl " + " ".join(destroy), fourth]
    assert "namespace pr-7: already gone" in fourth
    assert "database app_pr_7 and role app_pr_7: already gone" in fourth
    assert "destroy preview pr-7: nothing to do, already destroyed" in fourth
    assert [c.argv[0] for c in lifecycle.cluster.calls()] == ["auth", "get"]

    print("\n" + "\n".join(transcript))
