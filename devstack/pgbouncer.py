"""A real PgBouncer (Debian's package) in front of a test PostgreSQL, configured by envctl.

PgBouncer refuses to run as root; like PostgreSQL it then runs as the `postgres` user.
Its file descriptor limit is raised to the hard limit so it can hold thousands of clients.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from devstack.ports import free_port
from devstack.postgres import PostgresServer
from devstack.waiting import GaveUp, wait_until
from envctl.database.pooler import auth_file_line, install_lookup, pgbouncer_ini
from envctl.model.config_services import Pooler

PGBOUNCER = os.environ.get("PGBOUNCER", "/usr/sbin/pgbouncer")


@dataclass
class PgBouncer:
    root: Path
    server: PostgresServer
    pooler: Pooler
    port: int = field(default_factory=free_port)
    auth_password: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    extra: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def set_up_server(self) -> None:
        """The operator's one-time setup on the server: roles and the lookup function."""
        install_lookup(self.server.url(), self.auth_password)

    def write_config(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        auth_file = self.root / "userlist.txt"
        auth_file.write_text(auth_file_line(self.auth_password))
        auth_file.chmod(0o600)
        ini = self.root / "pgbouncer.ini"
        ini.write_text(
            pgbouncer_ini(
                self.pooler,
                server_host="127.0.0.1",
                server_port=self.server.port,
                listen_addr="127.0.0.1",
                listen_port=self.port,
                auth_file=str(auth_file),
                extra={"log_connections": "0", "log_disconnections": "0", **self.extra},
            )
        )
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            for path in (self.root, auth_file, ini):
                os.chown(path, user.pw_uid, user.pw_gid)
        return ini

    def start(self) -> None:
        if not Path(PGBOUNCER).is_file():
            raise RuntimeError(f"{PGBOUNCER} not found: `make pgbouncer` installs Debian's")
        ini = self.write_config()
        # `ulimit -n` up to the hard limit: every client and server connection is a descriptor.
        command = ["sh", "-c", 'ulimit -n "$(ulimit -Hn)" && exec "$0" "$1"', PGBOUNCER, str(ini)]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        log = (self.root / "pgbouncer.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._accepts, 20, f"PgBouncer to listen on {self.port}", interval=0.05)

    def _accepts(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise GaveUp(f"pgbouncer exited {self.process.returncode}:\n{self.log_tail()}")
        try:
            # Its own console with a role it does not know: any answer means it is up.
            psycopg.connect(self.url("pgbouncer", "nobody", "x"), connect_timeout=2).close()
        except psycopg.OperationalError as error:
            return "Connection refused" not in str(error)
        return True

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: PgBouncer's immediate shutdown
            self.process.wait(timeout=20)
        self.process = None

    def version(self) -> str:
        shown = subprocess.run([PGBOUNCER, "--version"], capture_output=True, text=True, check=True)
        return shown.stdout.splitlines()[0].strip()

    def url(self, database: str, user: str, password: str) -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def log_tail(self, chars: int = 3000) -> str:
        path = self.root / "pgbouncer.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
