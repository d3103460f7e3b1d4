"""Bearer tokens this process verified against the database in the last few seconds.

Every request still checks its token: here, where the expiry is compared again on each
hit, or in the database. An entry lives at most `TOKEN_CACHE_SECONDS`. A logout evicts
its token at once in the process that served it, and in every other web process when
their change listener gets the logout's `NOTIFY`; the bound only matters while a
listener is down, or for a token revoked in the database by hand.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

MAX_ENTRIES = 10_000  # a bound on memory, far above one process's active sessions


@dataclass(frozen=True)
class CachedToken:
    token_id: int
    account_id: int
    email: str
    expires_at: datetime


class TokenCache:
    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, CachedToken]] = {}
        # Bumped by every eviction: a lookup that began before one must not cache its row.
        self.generation = 0

    def get(self, digest: str) -> CachedToken | None:
        with self._lock:
            found = self._entries.get(digest)
            if found is None:
                return None
            if self._clock() - found[0] >= self.seconds:
                del self._entries[digest]
                return None
            return found[1]

    def put(self, digest: str, token: CachedToken, generation: int) -> None:
        """Cache what a lookup that began at `generation` read from the database."""
        if self.seconds <= 0:
            return
        with self._lock:
            if generation != self.generation:
                return
            if len(self._entries) >= MAX_ENTRIES:
                del self._entries[next(iter(self._entries))]  # the oldest insertion
            self._entries[digest] = (self._clock(), token)

    def evict(self, digest: str) -> None:
        with self._lock:
            self.generation += 1
            self._entries.pop(digest, None)

    def evict_token_id(self, token_id: int) -> None:
        with self._lock:
            self.generation += 1
            for digest in [d for d, (_, t) in self._entries.items() if t.token_id == token_id]:
                del self._entries[digest]

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()

    def on_change(self, token_id: str | None) -> None:
        """A revoked token's id from the change listener; None: notices may have been missed."""
        if token_id is None or not token_id.isdigit():
            self.clear()
        else:
            self.evict_token_id(int(token_id))
