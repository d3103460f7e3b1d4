"""How a request waits for a job's end: the long poll of `GET /api/jobs/<id>?wait=S`, and of
`POST /api/jobs?wait=S`, which starts the job first (the SDK's `execute_workflow`, over HTTP).

The wait is on the job's `finished` notice (`app/jobs/changes.py`), taken before the job is
read or started, so an end between the read and the wait is not missed. It holds no
database connection while it waits, and at most JOB_WAIT_MAX_SECONDS; a web process whose
long polls hold every thread they may answers at once (`app/api/long_polls.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from app.api.job_out import JobRow
from app.api.reads import release_read_connection
from app.jobs.changes import finished_key
from app.jobs.status import TERMINAL
from app.services import services

# until_end(read, first): the job, from `first` (or `read()` when None), read again until it is
# terminal or the wait is up.
UntilEnd = Callable[[Callable[[], JobRow], JobRow | None], JobRow]


def wait_seconds(asked: float) -> float:
    """A long poll waits at most JOB_WAIT_MAX_SECONDS, whatever the client asked."""
    return min(asked, services().settings.job_wait_max_seconds)


@contextmanager
def waiting_for_end(job_id: str, asked: float) -> Iterator[UntilEnd]:
    """Enter before the job can end; `until_end` then waits for it up to `asked` seconds.
    Only the job's end wakes it: its other changes (running, progress) do not answer."""
    with services().long_polls.waiting(wait_seconds(asked)) as seconds:
        if seconds <= 0:
            yield lambda read, first: read() if first is None else first
            return
        with services().changes.watch([finished_key(job_id)]) as watch:
            deadline = time.monotonic() + seconds

            def until_end(read: Callable[[], JobRow], first: JobRow | None) -> JobRow:
                job = read() if first is None else first
                while job.status not in TERMINAL and (left := deadline - time.monotonic()) > 0:
                    release_read_connection()
                    watch.wait(left)
                    job = read()
                return job

            yield until_end
