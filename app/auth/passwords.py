"""Password hashing with argon2id (library defaults: RFC 9106 low-memory profile)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@cache
def _decoy_hash() -> str:
    """Verifying against this keeps an unknown email as slow as a wrong password. Made on first
    use, not at import: one argon2 hash (64 MiB, 4 lanes) costs seconds under a pod's CPU limit."""
    return _hasher.hash("decoy password for unknown accounts")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return (
            _hasher.verify(password_hash or _decoy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False
