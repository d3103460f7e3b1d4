"""SCRAM-SHA-256 password verifiers, computed here so no plaintext password reaches PostgreSQL.

`CREATE ROLE ... PASSWORD 'SCRAM-SHA-256$...'` stores a verifier as given (RFC 5802, 7677;
PostgreSQL's `pg_authid.rolpassword` format), so neither the SQL text nor a server log line
ever contains the password itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata

ITERATIONS = 4096  # PostgreSQL's default scram_iterations
SALT_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def scram_sha256_verifier(
    password: str, *, salt: bytes | None = None, iterations: int = ITERATIONS
) -> str:
    # SASLprep of the ASCII passwords envctl generates is the identity; NFKC covers the rest.
    normalized = unicodedata.normalize("NFKC", password).encode("utf-8")
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    salted = hashlib.pbkdf2_hmac("sha256", normalized, salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return f"SCRAM-SHA-256${iterations}:{_b64(salt)}${_b64(stored_key)}:{_b64(server_key)}"


def new_password() -> str:
    """43 URL-safe characters (256 bits): safe in a URL without escaping."""
    return secrets.token_urlsafe(32)
