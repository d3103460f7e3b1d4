"""Preview databases on a real PostgreSQL (password auth over TCP, as in a cluster):
isolation, the connection limit, idempotency, rotation, clones, removal, hostile input."""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import create_engine, text

from app.migrate import upgrade
from devstack.deploy_inputs import IMAGE
from devstack.ports import free_port
from devstack.postgres import PostgresServer
from envctl.database.budget import connection_budget
from envctl.database.drop import drop
from envctl.database.provision import Provisioned, provision, room_problem
from envctl.database.target import AdminTarget, DatabaseError
from envctl.manifests.render import build_objects
from envctl.model.config import load_config
from envctl.model.environment import EnvironmentKind, build_environment
from envctl.model.inputs import InputError
from tests.lifecycle.conftest import Lifecycle


def target_of(server: PostgresServer) -> AdminTarget:
    return AdminTarget(server.url(), "127.0.0.1", server.port, None)


def make(lifecycle: Lifecycle, pr: int, **options: object) -> Provisioned:
    name = f"app_pr_{pr}"
    kwargs: dict[str, object] = {"connection_limit": 16, "known_password": None, **options}
    return provision(target_of(lifecycle.postgres), name, name, **kwargs)  # type: ignore[arg-type]


def refused(url: str) -> str:
    with pytest.raises(psycopg.OperationalError) as error:
        psycopg.connect(url, connect_timeout=5).close()
    return str(error.value)


def url_for(lifecycle: Lifecycle, role: str, password: str, database: str) -> str:
    return lifecycle.postgres.url(database, user=role, password=password)


def password_of(provisioned: Provisioned) -> str:
    parsed = psycopg.conninfo.conninfo_to_dict(provisioned.url)
    return str(parsed["password"])


def test_the_role_of_one_preview_cannot_connect_to_another_preview_database(
    lifecycle: Lifecycle,
) -> None:
    one, two = make(lifecycle, 11), make(lifecycle, 12)
    with psycopg.connect(one.url) as connection:
        assert connection.execute("SELECT current_user").fetchone() == ("app_pr_11",)
    one_into_two = refused(url_for(lifecycle, "app_pr_11", password_of(one), "app_pr_12"))
    assert 'permission denied for database "app_pr_12"' in one_into_two
    two_into_one = refused(url_for(lifecycle, "app_pr_12", password_of(two), "app_pr_11"))
    assert 'permission denied for database "app_pr_11"' in two_into_one
    shown = " ".join(one_into_two.split("FATAL:")[-1].split())
    print(f"\nisolation: role app_pr_11 -> database app_pr_12: refused: {shown}")


def test_public_has_no_connect_and_an_unrelated_role_is_refused(lifecycle: Lifecycle) -> None:
    make(lifecycle, 13)
    with lifecycle.admin() as connection:
        public = connection.execute(
            "SELECT has_database_privilege('public', 'app_pr_13', 'CONNECT')"
        ).fetchone()
        acl = connection.execute(
            "SELECT datacl::text FROM pg_database WHERE datname = 'app_pr_13'"
        ).fetchone()
        connection.execute("CREATE ROLE app_outsider LOGIN PASSWORD 'outsider-pw'")
    assert public == (False,)
    assert acl is not None
    assert "=c" not in str(acl[0]) and "=Tc" not in str(acl[0])  # no grant to PUBLIC ("=...")
    message = refused(url_for(lifecycle, "app_outsider", "outsider-pw", "app_pr_13"))
    assert "permission denied" in message


def test_the_connection_limit_is_enforced(lifecycle: Lifecycle) -> None:
    provisioned = make(lifecycle, 14, connection_limit=3)
    held = [psycopg.connect(provisioned.url) for _ in range(3)]
    try:
        assert "too many connections for role" in refused(provisioned.url)
    finally:
        for connection in held:
            connection.close()


def test_a_preview_may_hold_16_connections() -> None:
    """web: 2 pods during a rolling update x 2 gunicorn workers x pool 3; the Temporal pod's
    worker: pool 3 (Recreate: never two at once); 1 spare."""
    env = build_environment(EnvironmentKind.PREVIEW, 5, load_config(), image=IMAGE)
    budget = connection_budget(env, build_objects(env))
    assert budget.limit == 16
    assert budget.explain() == (
        "3 (temporal: 1 pod (1, Recreate) x 3) + 12 (web: 2 pods (1 + 1 surge) x 6) + "
        "1 (headroom: deploy's check, an operator's psql) = 16"
    )


def test_a_rerun_keeps_the_data_and_the_password(lifecycle: Lifecycle) -> None:
    first = make(lifecycle, 15)
    with psycopg.connect(first.url) as connection:
        connection.execute("CREATE TABLE kept (n int)")
        connection.execute("INSERT INTO kept VALUES (1)")
    verifier = lifecycle.rolpassword("app_pr_15")

    again = make(lifecycle, 15, known_password=password_of(first))

    assert not again.changed and again.password == "kept"
    assert again.url == first.url
    assert lifecycle.rolpassword("app_pr_15") == verifier
    with psycopg.connect(again.url) as connection:
        assert connection.execute("SELECT n FROM kept").fetchall() == [(1,)]


def test_rotation_gives_a_new_password_and_keeps_the_data(lifecycle: Lifecycle) -> None:
    first = make(lifecycle, 16)
    with psycopg.connect(first.url) as connection:
        connection.execute("CREATE TABLE kept (n int)")

    rotated = make(lifecycle, 16, known_password=password_of(first), rotate=True)

    assert rotated.password == "rotated" and rotated.url != first.url
    assert "password authentication failed" in refused(first.url)
    with psycopg.connect(rotated.url) as connection:
        assert connection.execute("SELECT count(*) FROM kept").fetchone() == (0,)


def test_a_lost_secret_means_a_new_password(lifecycle: Lifecycle) -> None:
    first = make(lifecycle, 17)
    again = make(lifecycle, 17, known_password=None)
    assert again.password == "rotated"
    assert "password authentication failed" in refused(first.url)


def test_the_secret_password_is_restored_when_the_role_no_longer_has_it(
    lifecycle: Lifecycle,
) -> None:
    first = make(lifecycle, 18)
    with lifecycle.admin() as connection:
        connection.execute("ALTER ROLE app_pr_18 PASSWORD 'changed-by-hand'")
    again = make(lifecycle, 18, known_password=password_of(first))
    assert again.password == "restored" and again.url == first.url
    psycopg.connect(first.url).close()


def test_the_password_never_reaches_the_server_in_plain_text(lifecycle: Lifecycle) -> None:
    log = lifecycle.postgres.root / "server.log"
    with lifecycle.admin() as connection:
        connection.execute("ALTER SYSTEM SET log_statement = 'all'")
        connection.execute("SELECT pg_reload_conf()")
    try:
        provisioned = make(lifecycle, 19)
        rotated = make(lifecycle, 19, rotate=True, known_password=password_of(provisioned))
        with lifecycle.admin() as connection:
            connection.execute("SELECT 'log flushed'")
    finally:
        with lifecycle.admin() as connection:
            connection.execute("ALTER SYSTEM RESET log_statement")
            connection.execute("SELECT pg_reload_conf()")
    logged = log.read_text(errors="replace")
    assert "CREATE ROLE" in logged and "SCRAM-SHA-256$4096:" in logged
    assert password_of(provisioned) not in logged
    assert password_of(rotated) not in logged


def test_destroy_terminates_connections_then_drops_database_and_role(
    lifecycle: Lifecycle,
) -> None:
    provisioned = make(lifecycle, 20)
    open_session = psycopg.connect(provisioned.url, autocommit=True)

    dropped = drop(lifecycle.postgres.url(), "app_pr_20", "app_pr_20")

    assert dropped.changed and dropped.terminated == 1
    with pytest.raises(psycopg.OperationalError):
        open_session.execute("SELECT 1")
    open_session.close()
    assert not lifecycle.database_exists("app_pr_20")
    assert not lifecycle.role_exists("app_pr_20")
    again = drop(lifecycle.postgres.url(), "app_pr_20", "app_pr_20")
    assert not again.changed


def test_names_that_are_not_identifiers_are_refused_before_connecting() -> None:
    nowhere = AdminTarget(
        f"postgresql://x:y@127.0.0.1:{free_port()}/postgres", "127.0.0.1", 1, None
    )
    for role, database in (("app_pr_1; DROP DATABASE postgres", "app_pr_1"), ("app_pr_1", "A b")):
        with pytest.raises(InputError):
            provision(nowhere, role, database, connection_limit=16, known_password=None)
        with pytest.raises(InputError):
            drop(nowhere.url, role, database)


@pytest.mark.parametrize(
    "pr", ["1; DROP DATABASE postgres", "0", "-3", "99999999999", "1e3", " ", "1 OR 1=1"]
)
def test_hostile_pr_numbers_are_refused_before_any_cluster_call_or_sql(
    lifecycle: Lifecycle, pr: str
) -> None:
    # An admin URL nobody listens on: had deploy tried SQL, it would fail differently.
    closed = f"postgresql://postgres:pw@127.0.0.1:{lifecycle.postgres.port}/postgres"
    code, out, err = lifecycle.run(
        "deploy", "preview", "--pr", pr, "--image", IMAGE, ENVCTL_DATABASE_ADMIN_URL=closed
    )
    assert code == 2 and out == ""
    assert err.startswith("envctl: invalid --pr: expected a positive integer (1 to 1000000000)")
    assert len(err.strip().splitlines()) == 1
    assert lifecycle.cluster.calls() == []
    with lifecycle.admin() as connection:
        assert connection.execute("SELECT 1 FROM pg_database WHERE datname = 'postgres'").fetchone()
        assert connection.execute(
            "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'app\\_%'"
        ).fetchone() == (0,)


def test_room_on_the_shared_server_is_checked_before_anything_changes(
    lifecycle: Lifecycle,
) -> None:
    with lifecycle.admin() as connection:
        connection.execute("CREATE ROLE app_pr_9001 LOGIN CONNECTION LIMIT 290")
    problem = room_problem(lifecycle.postgres.url(), "app_pr_21", 16)
    assert problem is not None
    assert "room for 297 connections (max_connections 300 - 3 reserved)" in problem
    assert "1 other environments may hold 290; this one needs 16; missing 9" in problem

    code, _, err = lifecycle.run(
        "deploy", "preview", "--pr", "21", "--image", IMAGE, "--skip-smoke"
    )
    assert code == 1
    assert "envctl deploy: the shared PostgreSQL is full:" in err
    assert not [c for c in lifecycle.cluster.calls() if c.argv[0] == "apply"]
    assert not lifecycle.role_exists("app_pr_21")


def test_a_database_not_made_by_envctl_is_not_taken_over(lifecycle: Lifecycle) -> None:
    with lifecycle.admin() as connection:
        connection.execute("CREATE DATABASE app_pr_22")
    with pytest.raises(DatabaseError, match="belongs to postgres, not app_pr_22"):
        make(lifecycle, 22)


def test_a_preview_can_start_as_a_clone_of_a_seed_database(lifecycle: Lifecycle) -> None:
    seed = "seed_" + str(int(time.time() * 1000) % 100000)
    lifecycle.postgres.create_database(seed)
    engine = create_engine(
        lifecycle.postgres.url(seed).replace("postgresql://", "postgresql+psycopg://")
    )
    upgrade(engine)  # the app's schema, owned by the admin, as a seed would be
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO accounts (email, password_hash, created_at)"
                " SELECT 'seed' || n || '@example.com', 'x', now() FROM generate_series(1, 5000) n"
            )
        )
    engine.dispose()
    try:
        clone = make(lifecycle, 23, template=seed)
        size = _database_size(lifecycle, "app_pr_23")
        assert clone.database_created and clone.clone_seconds is not None
        print(f"\ntemplate clone of {seed} ({size}): {clone.clone_seconds:.3f}s")
        preview_engine = create_engine(clone.url.replace("postgresql://", "postgresql+psycopg://"))
        upgrade(preview_engine)  # the preview's own role migrates what it was given
        with preview_engine.begin() as connection:
            count = connection.execute(text("SELECT count(*) FROM accounts")).scalar()
            connection.execute(
                text(
                    "INSERT INTO accounts (email, password_hash, created_at) VALUES ('new@example.com', 'x', now())"
                )
            )
            owners = connection.execute(
                text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
            ).fetchall()
        preview_engine.dispose()
        assert count == 5000
        assert owners == [("app_pr_23",)]
    finally:
        with lifecycle.admin() as connection:
            connection.execute(f'DROP DATABASE "{seed}" WITH (FORCE)')


def _database_size(lifecycle: Lifecycle, name: str) -> str:
    with lifecycle.admin() as connection:
        row = connection.execute("SELECT pg_size_pretty(pg_database_size(%s))", (name,)).fetchone()
    return str(row[0]) if row else "?"
