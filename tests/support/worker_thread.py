"""The real worker (`app.worker.runner.run_worker`) on a thread of the test process."""

from __future__ import annotations

import asyncio
import threading

from app.settings import Settings
from app.worker.probes import WorkerState
from app.worker.runner import run_worker
from devstack.waiting import GaveUp, wait_until


class WorkerThread:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop_event: asyncio.Event | None = None
        self.state: WorkerState | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="test-worker", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported by start() / stop()
            self.error = error

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stop_event = asyncio.Event()
        self.state = WorkerState(loop=self.loop)
        await run_worker(self.settings, self.stop_event, self.state)

    def start(self, timeout: float = 60) -> None:
        self._thread.start()

        def running() -> bool:
            if self.error is not None:
                raise GaveUp(f"worker failed: {self.error!r}") from self.error
            return self.state is not None and self.state.snapshot()[0] == "running"

        wait_until(running, timeout, "the worker to poll")

    def stop(self, timeout: float = 60) -> None:
        if self.loop is not None and self.stop_event is not None:
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self._thread.join(timeout)
