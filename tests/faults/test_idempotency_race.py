"""Fifty concurrent `POST /api/jobs` with one idempotency key, over real HTTP to
gunicorn (several processes and threads): exactly one job exists afterwards."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devstack.api import ApiClient
from devstack.stack import Stack, process_env
from devstack.temporal_dev import TemporalDevServer
from tests.faults.ledger import Ledger, now
from tests.faults.report import record

pytestmark = pytest.mark.faults

REQUESTS = 50


@pytest.fixture
def stack(base_env: dict[str, str], migrated: None, tmp_path: Path) -> Iterator[Stack]:
    stack = Stack.start(process_env(base_env, WEB_WORKERS="4", WEB_THREADS="8"), tmp_path)
    yield stack
    stack.stop()


def test_fifty_concurrent_posts_with_one_key_create_one_job(
    stack: Stack, temporal_server: TemporalDevServer
) -> None:
    api = ApiClient.sign_up(stack.url)
    ledger = Ledger(api, temporal_server.address, stack.env["TEMPORAL_TASK_QUEUE"])
    body = {"type": "echo", "input": {"message": "race"}, "idempotency_key": uuid.uuid4().hex}
    gate = threading.Barrier(REQUESTS)

    def post(_: int) -> tuple[int, str]:
        gate.wait()
        response = api.http.post("/api/jobs", json=body)
        return response.status_code, response.json()["id"]

    started = now()
    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        answers = list(pool.map(post, range(REQUESTS)))
    ids = {job_id for _, job_id in answers}
    for job_id in ids:
        ledger.submitted[job_id] = api.job(job_id)
        ledger.expected[job_id] = "succeeded"
    final = ledger.wait_all_finished(timeout=60)
    codes = Counter(code for code, _ in answers)
    listed = [
        job for job in api.jobs().values() if job["idempotency_key"] == body["idempotency_key"]
    ]
    result = record(
        ledger.result(
            "50 concurrent POSTs, one idempotency key",
            final,
            None,
            None,
            detail=(
                f"{REQUESTS} requests in {now() - started:.1f} s answered {dict(codes)}; "
                f"{len(ids)} distinct job id(s), {len(listed)} listed"
            ),
        )
    )
    result.jobs_in = REQUESTS
    record(result)

    assert len(ids) == 1, ids
    assert codes == {202: 1, 200: REQUESTS - 1}
    assert len(listed) == 1
    assert result.duplicates == 0 and result.lost == 0 and result.stuck == 0
    assert result.jobs_out == 1
