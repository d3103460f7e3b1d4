"""Stop and restart the Temporal dev server (same SQLite file, same port) mid-run: every
job completes, and the web app and worker reconnect without being restarted."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest

from devstack.api import ApiClient
from devstack.smtp_sink import SmtpSink
from devstack.stack import Stack, process_env
from devstack.temporal_dev import TemporalDevServer
from devstack.waiting import wait_until
from tests.faults.ledger import Ledger, assert_clean, now
from tests.faults.report import record

pytestmark = pytest.mark.faults

ECHOES, EMAILS = 50, 10


def test_temporal_restart_mid_run_completes_every_job(
    base_env: dict[str, str], migrated: None, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    temporal = TemporalDevServer(root=tmp_path / "temporal")
    temporal.start()
    stack = Stack.start(process_env(base_env, TEMPORAL_SERVER_ADDRESS=temporal.address), tmp_path)
    try:
        pids = (stack.web.process.pid, stack.worker.process.pid)  # type: ignore[union-attr]
        api = ApiClient.sign_up(stack.url)
        ledger = Ledger(api, temporal.address, stack.env["TEMPORAL_TASK_QUEUE"])
        recipients = [f"restart-{n}-{uuid.uuid4().hex[:6]}@example.com" for n in range(EMAILS)]
        ledger.submit(
            [("echo", {"message": f"echo {n}", "delay_ms": 6000 + 40 * n}) for n in range(ECHOES)]
            + [("email", {"to": to, "subject": "restart", "body": to}) for to in recipients]
        )

        def under_way() -> bool:
            # Running = an activity started; jobs still queued for a slot are in flight too.
            statuses = [j["status"] for j in ledger.current().values()]
            return statuses.count("running") >= 20

        wait_until(under_way, 90, "20 jobs running")
        at_stop = ledger.current()
        in_flight = len(ledger.unfinished(at_stop))
        states = Counter(at_stop[j]["status"] for j in ledger.unfinished(at_stop))

        temporal.stop()
        refused = api.http.post("/api/jobs", json={"type": "echo", "input": {"message": "x"}})
        ready = httpx.get(f"{stack.url}/api/ready", timeout=30)
        temporal.start()
        back = now()

        ledger.wait_all_finished(timeout=120)
        recovered = now()
        [after] = ledger.submit([("echo", {"message": "started after the restart"})])
        final = ledger.wait_all_finished(timeout=60)
        mail = {to: len(smtp_sink.messages_to(to)) for to in recipients}
        result = record(
            ledger.result(
                "Temporal dev server restarted",
                final,
                recovered,
                back,
                side_effect_duplicates=sum(max(n - 1, 0) for n in mail.values()),
                detail=(
                    f"{in_flight} in flight when it stopped ({dict(states)}); "
                    "while down POST /api/jobs "
                    f"answered {refused.status_code} and /api/ready {ready.status_code}; "
                    f"{sum(mail.values())} messages for {EMAILS} emails; web and worker "
                    "kept their process ids"
                ),
            )
        )

        assert_clean(result)
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "temporal_unavailable"
        assert ready.status_code == 503
        checks = ready.json()["error"]["details"]["checks"]
        assert checks["temporal"]["ok"] is False and checks["database"]["ok"] is True
        assert final[after["id"]]["status"] == "succeeded"
        assert all(n == 1 for n in mail.values()), mail
        assert stack.web.alive() and stack.worker.alive()
        assert (stack.web.process.pid, stack.worker.process.pid) == pids  # type: ignore[union-attr]
    finally:
        stack.stop()
        temporal.stop()
