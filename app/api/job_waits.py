"""How a request waits on job changes (a long poll): `GET /api/jobs?version=V&wait=S` for its
page to change, and `GET /api/jobs/<id>?wait=S` or `POST /api/jobs?wait=S` (which starts the
job first: the SDK's `execute_workflow`, over HTTP) for the job to end.

The watch on the change notices (`app/jobs/changes.py`) is taken before the first read, or
before the job is started, so a change between the read and the wait is not missed. A wait
holds no database connection, lasts at most JOB_WAIT_MAX_SECONDS, and is answered at once
when the web process's long polls hold every thread they may (`app/api/long_polls.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from app.api.reads import release_read_connection
from app.jobs.changes import Watch
from app.services import services

Read = TypeVar("Read")


class LongPoll:
    def __init__(self, watch: Watch | None, deadline: float) -> None:
        self._watch = watch  # None: no wait (none asked, or no room)
        self._deadline = deadline

    def until(self, read: Callable[[], Read], done: Callable[[Read], bool]) -> Read:
        """`read()` again on each watched change, until `done` says so or the wait is up;
        the last read."""
        return self.after(read(), read, done)

    def after(self, first: Read, read: Callable[[], Read], done: Callable[[Read], bool]) -> Read:
        """`until`, with `first` for the first read."""
        value = first
        while not done(value) and self._watch is not None:
            left = self._deadline - time.monotonic()
            if left <= 0:
                break
            release_read_connection()
            self._watch.wait(left)
            value = read()
        return value


@contextmanager
def long_poll(keys: list[str], asked: float) -> Iterator[LongPoll]:
    """A wait of up to `asked` seconds on changes to `keys`; enter it before the first read."""
    seconds = min(asked, services().settings.job_wait_max_seconds)
    with services().long_polls.waiting(seconds) as granted:
        if granted <= 0:
            yield LongPoll(None, 0.0)
            return
        with services().changes.watch(keys) as watch:
            yield LongPoll(watch, time.monotonic() + granted)
