"""Run a command against a preview database reached only through PgBouncer.

`python -m tests.support.pooled_database CMD...` starts a PostgreSQL and a PgBouncer
(configured by envctl), provisions `app_pr_1` as envctl deploy does in pooled mode, runs CMD
with `TEST_DATABASE_URL` (the pooled URL) and `DB_TRANSACTION_POOLING=true`, tears everything
down and exits with CMD's code. `make test-pooled` runs `tests/app` this way.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from devstack.pgbouncer import PgBouncer
from devstack.postgres import PostgresServer
from envctl.database.pooler import admit_pooler
from envctl.database.provision import provision
from envctl.database.target import AdminTarget
from envctl.model.config_services import Pooler


def main(command: list[str]) -> int:
    if not command:
        print("usage: python -m tests.support.pooled_database CMD [ARGS...]", file=sys.stderr)
        return 2
    server = PostgresServer.create(Path(f"/tmp/pg-pooled-{uuid.uuid4().hex[:8]}"))
    server.start()
    bouncer = PgBouncer(Path(f"/tmp/pgb-pooled-{uuid.uuid4().hex[:8]}"), server, Pooler())
    try:
        bouncer.set_up_server()
        bouncer.start()
        target = AdminTarget(server.url(), "127.0.0.1", server.port, None, app_port=bouncer.port)
        made = provision(target, "app_pr_1", "app_pr_1", connection_limit=-1, known_password=None)
        admit_pooler(server.url(), "app_pr_1")
        print(f"tests against app_pr_1 through PgBouncer on 127.0.0.1:{bouncer.port}", flush=True)
        env = {**os.environ, "TEST_DATABASE_URL": made.url, "DB_TRANSACTION_POOLING": "true"}
        return subprocess.run(command, env=env, check=False).returncode
    finally:
        bouncer.destroy()
        server.destroy()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
