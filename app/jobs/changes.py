"""Wakes web requests waiting on a job (or on an account's jobs) when its row changes.

One thread per web process LISTENs on `job_changes` over its own direct connection
(`DATABASE_LISTEN_URL`, else `DATABASE_URL`): LISTEN needs a session connection, which a
transaction-mode pooler does not give, so behind PgBouncer point `DATABASE_LISTEN_URL`
at the server itself; pooled mode without it does not listen. Without a listener
(SQLite, pooled mode, or the connection is down) waits degrade to re-reading every
`POLL_SECONDS`; with one they still re-read every `SAFETY_SECONDS`, so a lost
notification costs at most that much latency. A job's notice `<owner>:<job>` wakes the
watchers of its owner and of the job; `<owner>:<job>:finished`, sent as it becomes terminal,
also those of its end (`finished_key`), which the long poll for a job's result watches.
Payloads `<topic>:<value>` whose topic is not an owner id (a revoked token:
`revoked:<token id>`) go to that topic's subscriber.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import psycopg

from app.jobs.state import CHANNEL, FINISHED_MARK

log = logging.getLogger(__name__)
POLL_SECONDS = 0.25
SAFETY_SECONDS = 2.0
RECONNECT_SECONDS = 1.0


class Watch:
    """One waiter's keys; set by a notice that names one of them."""

    def __init__(self, hub: ChangeHub, keys: list[str]) -> None:
        self.hub = hub
        self.keys = keys
        self.changed = threading.Event()

    def wait(self, timeout: float) -> bool:
        """Block until a watched key changes (True) or it is time to re-read anyway (False)."""
        interval = SAFETY_SECONDS if self.hub.listening else POLL_SECONDS
        if not self.changed.wait(min(timeout, interval)):
            return False
        self.changed.clear()  # before the caller re-reads, so a later change sets it again
        return True


def job_key(job_id: str) -> str:
    return f"job:{job_id}"


def finished_key(job_id: str) -> str:
    """Changes only as the job becomes terminal (or the listener reconnects)."""
    return f"finished:{job_id}"


def owner_key(owner_id: int) -> str:
    return f"owner:{owner_id}"


class ChangeHub:
    def __init__(self, listen_url: str | None) -> None:
        self.listen_url = listen_url
        self._lock = threading.Lock()
        self._watches: dict[str, set[Watch]] = {}  # key -> the watches waiting on it
        self._listening = False
        self._owner_pid = 0
        self._subscribers: dict[str, Callable[[str | None], None]] = {}

    def subscribe(self, topic: str, handler: Callable[[str | None], None]) -> None:
        """Call handler(value) for each `<topic>:<value>` notice, and handler(None) whenever
        the listener connects or drops, since notices may have been missed meanwhile."""
        self._subscribers[topic] = handler

    @property
    def listening(self) -> bool:
        return self._listening

    @contextmanager
    def watch(self, keys: Iterable[str]) -> Iterator[Watch]:
        """Watch keys for changes; enter it before reading the rows it is about."""
        self.ensure_listening()
        watch = Watch(self, list(keys))
        with self._lock:
            for key in watch.keys:
                self._watches.setdefault(key, set()).add(watch)
        try:
            yield watch
        finally:
            with self._lock:
                for key in watch.keys:
                    waiting = self._watches[key]
                    waiting.discard(watch)
                    if not waiting:
                        del self._watches[key]

    def ensure_listening(self) -> None:
        """Start this process's listener thread unless it runs (or there is no listen URL)."""
        if self.listen_url is None or self._owner_pid == os.getpid():
            return
        with self._lock:
            if self._owner_pid == os.getpid():
                return
            # Per process: a forked gunicorn worker must not share its parent's connection.
            self._owner_pid = os.getpid()
            self._listening = False
        threading.Thread(target=self._listen_forever, name="job-changes", daemon=True).start()

    def _listen_forever(self) -> None:
        url = self.listen_url or ""
        warned = False
        while True:
            try:
                with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self._set_listening(True)
                    warned = False
                    for notice in connection.notifies():
                        self._bump(notice.payload)
            except psycopg.Error as error:
                if not warned:  # once per outage, not once per reconnect attempt
                    log.warning("job change listener down (%s); readers poll meanwhile", error)
                warned = True
            self._set_listening(False)
            time.sleep(RECONNECT_SECONDS)  # backoff before reconnecting, not synchronisation

    def _set_listening(self, listening: bool) -> None:
        for handler in self._subscribers.values():
            handler(None)
        self._listening = listening
        with self._lock:  # readers re-check now: changes may have been missed while it was down
            for waiting in self._watches.values():
                for watch in waiting:
                    watch.changed.set()

    def _bump(self, payload: str) -> None:
        owner, _, value = payload.partition(":")
        handler = self._subscribers.get(owner)
        if handler is not None:
            handler(value)
            return
        job, _, mark = value.partition(":")
        keys = [owner_key(int(owner)) if owner.isdigit() else "", job_key(job)]
        if mark == FINISHED_MARK:
            keys.append(finished_key(job))
        with self._lock:  # only the watches of these keys wake
            for key in keys:
                for watch in self._watches.get(key, ()):
                    watch.changed.set()
