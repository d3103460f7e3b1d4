"""Pooled mode on a real PostgreSQL behind a real PgBouncer (Debian's): previews provisioned
exactly as in direct mode are found by the pooler itself (fallback database, auth_query);
isolation holds through the pooler and around it; the app and its migrations work under
transaction pooling; deploy checks the pooler's room."""

from __future__ import annotations

import base64
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from app.db import make_engine
from app.migrate import upgrade
from app.settings import Settings
from devstack.deploy_inputs import IMAGE, config_text
from devstack.kube_cluster import Cluster
from devstack.pgbouncer import PgBouncer
from devstack.postgres import PostgresServer
from envctl import cli
from envctl.database.pooler import AUTH_ROLE, admit_pooler, pooler_room_problem
from envctl.database.provision import Provisioned, provision
from envctl.database.target import AdminTarget
from envctl.model.config import load_config
from envctl.model.config_services import Pooler
from tests.lifecycle.conftest import Lifecycle


@pytest.fixture(scope="module")
def bouncer() -> Iterator[PgBouncer]:
    server = PostgresServer.create(Path(f"/tmp/pg-pooler-{uuid.uuid4().hex[:8]}"))
    server.start()
    pgbouncer = PgBouncer(Path(f"/tmp/pgb-{uuid.uuid4().hex[:8]}"), server, Pooler())
    try:
        pgbouncer.set_up_server()
        pgbouncer.start()
        yield pgbouncer
    finally:
        pgbouncer.destroy()
        server.destroy()


def target(bouncer: PgBouncer) -> AdminTarget:
    server = bouncer.server
    return AdminTarget(server.url(), "127.0.0.1", server.port, None, app_port=bouncer.port)


def make(bouncer: PgBouncer, pr: int) -> Provisioned:
    name = f"app_pr_{pr}"
    provisioned = provision(target(bouncer), name, name, connection_limit=-1, known_password=None)
    admit_pooler(bouncer.server.url(), name)
    return provisioned


def password_of(provisioned: Provisioned) -> str:
    return str(psycopg.conninfo.conninfo_to_dict(provisioned.url)["password"])


def refused(url: str) -> str:
    with pytest.raises(psycopg.OperationalError) as error:
        psycopg.connect(url, connect_timeout=5, prepare_threshold=None).close()
    return str(error.value)


def refused_by_the_pooler(message: str) -> bool:
    """PgBouncer answers a role that the lookup does not return for this database so."""
    return "FATAL:  no such user" in message


def app_settings(url: str) -> Settings:
    pooled = url.replace("postgresql://", "postgresql+psycopg://")
    return Settings(  # type: ignore[call-arg]
        _env_file=None, app_env="test", database_url=pooled, db_transaction_pooling=True
    )


def test_envctl_provisions_a_preview_that_the_pooler_finds_by_itself(bouncer: PgBouncer) -> None:
    ini = (bouncer.root / "pgbouncer.ini").read_text()
    assert "app_pr" not in ini and "* = host=127.0.0.1" in ini  # nothing per preview
    provisioned = make(bouncer, 31)
    assert f":{bouncer.port}/app_pr_31" in provisioned.url
    with psycopg.connect(provisioned.url, prepare_threshold=None) as connection:
        row = connection.execute("SELECT current_user, current_database()").fetchone()
    assert row == ("app_pr_31", "app_pr_31")
    with psycopg.connect(bouncer.server.url(), autocommit=True) as admin:
        limit = admin.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'app_pr_31'")
        assert limit.fetchone() == (-1,)  # the pooler's pool caps it, not the role


def test_one_preview_cannot_reach_another_preview_database_through_the_pooler_or_around_it(
    bouncer: PgBouncer,
) -> None:
    one, two = make(bouncer, 32), make(bouncer, 33)
    server = bouncer.server
    through = refused(bouncer.url("app_pr_33", "app_pr_32", password_of(one)))
    around = refused(server.url("app_pr_33", user="app_pr_32", password=password_of(one)))
    back = refused(bouncer.url("app_pr_32", "app_pr_33", password_of(two)))
    assert refused_by_the_pooler(through) and refused_by_the_pooler(back)
    assert 'permission denied for database "app_pr_33"' in around
    print(f"\nisolation through PgBouncer: app_pr_32 -> app_pr_33: {through.split(':')[-1]}")
    print(f"isolation around it (direct): app_pr_32 -> app_pr_33: {around.split('FATAL:')[-1]}")


def test_the_pooler_refuses_roles_that_are_not_an_environment_role(bouncer: PgBouncer) -> None:
    make(bouncer, 34)
    with psycopg.connect(bouncer.server.url(), autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS outsider")
        admin.execute("CREATE ROLE outsider LOGIN PASSWORD 'outsider-pw'")
        admin.execute("GRANT CONNECT ON DATABASE app_pr_34 TO outsider")
    assert refused_by_the_pooler(refused(bouncer.url("app_pr_34", "outsider", "outsider-pw")))
    superuser = refused(bouncer.url("app_pr_34", "postgres", bouncer.server.password))
    assert refused_by_the_pooler(superuser)
    # A database without the lookup function (the server's own `postgres`): no login either.
    assert "bouncer config error" in refused(
        bouncer.url("postgres", "postgres", bouncer.server.password)
    )


def test_the_lookup_function_is_only_for_the_poolers_role_and_its_own_database(
    bouncer: PgBouncer,
) -> None:
    one, _ = make(bouncer, 35), make(bouncer, 36)
    direct = bouncer.server.url("app_pr_35", user="app_pr_35", password=password_of(one))
    with (
        psycopg.connect(direct, autocommit=True) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute("SELECT * FROM pgbouncer.user_lookup('app_pr_35')")
    auth = bouncer.server.url("app_pr_35", user=AUTH_ROLE, password=bouncer.auth_password)
    with psycopg.connect(auth, autocommit=True) as connection:
        own = connection.execute("SELECT * FROM pgbouncer.user_lookup('app_pr_35')").fetchall()
        other = connection.execute("SELECT * FROM pgbouncer.user_lookup('app_pr_36')").fetchall()
        assert [name for name, _ in own] == ["app_pr_35"]
        assert str(own[0][1]).startswith("SCRAM-SHA-256$")
        assert other == []
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("SELECT rolpassword FROM pg_authid")


def test_the_app_and_concurrent_migrations_work_under_transaction_pooling(
    bouncer: PgBouncer,
) -> None:
    provisioned = make(bouncer, 37)
    settings = app_settings(provisioned.url)
    engines = [make_engine(settings) for _ in range(3)]
    errors: list[BaseException] = []

    def migrate(engine: object) -> None:
        try:
            upgrade(engine)  # type: ignore[arg-type]
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=migrate, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    with engines[0].connect() as connection:
        assert connection.connection.dbapi_connection.prepare_threshold is None  # type: ignore[union-attr]
        versions = connection.execute(text("SELECT count(*) FROM alembic_version")).scalar()
        assert versions == 1
    # Many more runs of one statement than psycopg's threshold (5), over two pools sharing
    # the pooler's server connections: no "prepared statement does not exist".
    for _ in range(20):
        for engine in engines[:2]:
            with engine.connect() as connection:
                assert connection.execute(text("SELECT count(*) FROM accounts")).scalar() == 0
    for engine in engines:
        engine.dispose()


def test_preflight_counts_the_poolers_client_room(bouncer: PgBouncer) -> None:
    make(bouncer, 38)
    make(bouncer, 39)
    with psycopg.connect(bouncer.server.url(), autocommit=True) as admin:
        others = admin.execute(
            "SELECT count(*) FROM pg_roles WHERE rolcanlogin AND rolname LIKE 'app\\_%'"
        ).fetchone()
    assert others is not None
    small = Pooler(max_client_conn=16 * int(others[0]) + 20, reserved_client_connections=20)
    problem = pooler_room_problem(bouncer.server.url(), "app_pr_40", 16, small)
    assert problem is not None
    shown = 16 * int(others[0])
    assert f"the preview PgBouncer has room for {shown} client connections" in problem
    assert "this one needs 16; missing 16" in problem
    assert pooler_room_problem(bouncer.server.url(), "app_pr_40", 16, Pooler()) is None


def pooled_config(bouncer: PgBouncer, path: Path) -> Path:
    config = config_text(bouncer.server.port)
    section = re.search(r"(?ms)^\[environments\.preview\].*?(?=^\[)", config)
    assert section is not None
    pooled = section.group(0).replace(
        f"database_port = {bouncer.server.port}", f"database_port = {bouncer.port}"
    )
    pooled = re.sub(r'(?m)^database_mode = "direct"', 'database_mode = "pooled"', pooled)
    path.write_text(config.replace(section.group(0), pooled), encoding="utf-8")
    return path


def test_a_pooled_deploy_hands_the_pods_the_poolers_url(
    bouncer: PgBouncer,
    cluster: Cluster,
    doppler_operator: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)
    config = pooled_config(bouncer, tmp_path / "envctl.toml")
    assert load_config(config).environments.preview.database_mode == "pooled"
    environ = {
        **cluster.environ(),
        "ENVCTL_DATABASE_ADMIN_URL": bouncer.server.url(),
        "ENVCTL_DOPPLER_TOKEN": "dp.st.preview.FAKE",
        "CI": "true",
    }
    lifecycle = Lifecycle(cluster, bouncer.server, config, environ)
    code, out, err = lifecycle.run(
        "deploy", "preview", "--pr", "41", "--image", IMAGE, "--skip-smoke"
    )
    assert code == 0, out + err
    assert "no server connection limit (pooled: PgBouncer caps it)" in out
    assert "PgBouncer client connections" in out and "= 16" in out
    secret = cluster.get("Secret", "app-database", "pr-41")
    assert secret is not None
    url = base64.b64decode(secret["data"]["DATABASE_URL"]).decode()
    assert f"@127.0.0.1:{bouncer.port}/app_pr_41" in url
    with psycopg.connect(url, prepare_threshold=None) as connection:
        assert connection.execute("SELECT current_user").fetchone() == ("app_pr_41",)
    web = cluster.get("Deployment", "web", "pr-41")
    assert web is not None
    env = web["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "DB_TRANSACTION_POOLING", "value": "true"} in env


def test_envctl_pooler_config_prints_the_ini_the_tests_run(bouncer: PgBouncer) -> None:
    result = CliRunner().invoke(
        cli.app,
        ["pooler", "config", "--server-port", str(bouncer.server.port), "--listen-addr", "*"],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"[databases]\n* = host=127.0.0.1 port={bouncer.server.port}\n")
    for line in ("pool_mode = transaction", "auth_user = pgbouncer_auth", "listen_addr = *"):
        assert line in result.stdout
    assert "database_mode is 'direct'" in result.stderr  # the committed config is direct
    bad = CliRunner().invoke(cli.app, ["pooler", "config", "--server-host", "h\nost"])
    assert bad.exit_code == 2 and "plain values" in bad.stderr


def test_envctl_pooler_setup_is_idempotent_and_needs_its_inputs(bouncer: PgBouncer) -> None:
    make(bouncer, 42)
    env = {"ENVCTL_DATABASE_ADMIN_URL": bouncer.server.url()}
    short = CliRunner().invoke(cli.app, ["pooler", "setup"], env=env)
    assert short.exit_code == 2 and "ENVCTL_POOLER_AUTH_PASSWORD" in short.stderr
    env["ENVCTL_POOLER_AUTH_PASSWORD"] = bouncer.auth_password
    again = CliRunner().invoke(cli.app, ["pooler", "setup"], env=env)
    assert again.exit_code == 0, again.output
    assert "template1" in again.stdout and "app_pr_42" in again.stdout
    assert bouncer.auth_password not in again.stdout
    provisioned = make(bouncer, 43)  # the pooler still finds a preview made after it
    with psycopg.connect(provisioned.url, prepare_threshold=None) as connection:
        assert connection.execute("SELECT current_user").fetchone() == ("app_pr_43",)
