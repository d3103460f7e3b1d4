"""Finished jobs' rows, kept by each web process once read.

A finished row never changes: the worker and the reconciler write an outcome only to an
unfinished row, and only a close Temporal recorded (`app/jobs/state.py`). So a read of a
finished job is answered from here after its first read, with no database round trip; an
unfinished job is always read from the database. Entries are keyed by owner and job, so an
account only ever gets its own jobs, and the oldest read goes first once `MAX_ENTRIES` are
kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from app.jobs.status import TERMINAL

if TYPE_CHECKING:  # app.api.job_out reads services, which hold this cache
    from app.api.job_out import JobRecord

MAX_ENTRIES = 10_000  # a bound on memory: a few MiB of rows at most


class FinishedJobs:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._rows: OrderedDict[tuple[int, str], JobRecord] = OrderedDict()

    def get(self, owner_id: int, job_id: str) -> JobRecord | None:
        key = (owner_id, job_id)
        with self._lock:
            found = self._rows.get(key)
            if found is not None:
                self._rows.move_to_end(key)
            return found

    def keep(self, owner_id: int, job_id: str, record: JobRecord) -> None:
        """Keep a row a read got, if it is finished."""
        if record.status not in TERMINAL:
            return
        key = (owner_id, job_id)
        with self._lock:
            self._rows[key] = record
            self._rows.move_to_end(key)
            while len(self._rows) > self.max_entries:
                self._rows.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._rows)
