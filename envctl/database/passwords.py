"""Role passwords: generated here, sent to PostgreSQL only as a SCRAM-SHA-256 verifier.

libpq computes the verifier (`PQencryptPasswordConn`, SASLprep included) on the admin
connection, so `CREATE ROLE ... PASSWORD 'SCRAM-SHA-256$...'` stores it as given and neither the
SQL text nor a server log line ever contains the password itself.
"""

from __future__ import annotations

import secrets
from typing import Any

import psycopg


def scram_sha256_verifier(connection: psycopg.Connection[Any], role: str, password: str) -> str:
    verifier = connection.pgconn.encrypt_password(
        password.encode("utf-8"), role.encode("utf-8"), b"scram-sha-256"
    )
    return verifier.decode("ascii")


def new_password() -> str:
    """43 URL-safe characters (256 bits): safe in a URL without escaping."""
    return secrets.token_urlsafe(32)
