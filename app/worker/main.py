"""Process entry point for `python temporal_server.py`."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from app.logs import configure_logging
from app.settings import Settings, load_settings_or_exit
from app.worker.probes import WorkerState, start_probe_server
from app.worker.runner import StopRequested, TemporalNeverCameUp, metrics_runtime, run_worker

log = logging.getLogger("app.worker")

EXIT_NO_TEMPORAL = 3


async def serve(settings: Settings) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    state = WorkerState(loop=loop)
    probes = start_probe_server(state, settings.worker_health_port)
    try:
        await run_worker(settings, stop, state, metrics_runtime(settings))
    except TemporalNeverCameUp as error:
        print(f"worker: {error}", file=sys.stderr)
        return EXIT_NO_TEMPORAL
    except StopRequested:
        log.info("worker stopped before it connected")
    finally:
        probes.shutdown()
    return 0


def main() -> int:
    configure_logging()
    return asyncio.run(serve(load_settings_or_exit()))
