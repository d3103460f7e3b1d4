"""One long-lived Temporal client per process, usable from synchronous Flask views.

The client lives on a private event-loop thread; views submit coroutines to it.
It connects on first use, so the web app starts (and serves `/api/health`) while
Temporal is down, and reconnects by itself when Temporal comes back.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta
from typing import TypeVar

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime
from temporalio.service import RPCError, RPCStatusCode

from app.settings import Settings

T = TypeVar("T")

# The worker, the web app and the replay of recorded histories must all decode payloads alike.
DATA_CONVERTER = pydantic_data_converter

UNAVAILABLE_CODES = frozenset(
    {RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED}
)


class TemporalUnavailable(Exception):
    """Temporal cannot be reached right now."""


async def connect_client(settings: Settings, runtime: Runtime | None = None) -> Client:
    """Connect with the app's settings: resolved address, namespace, TLS and API key."""
    return await Client.connect(
        settings.temporal_address.address,
        namespace=settings.temporal_namespace,
        data_converter=DATA_CONVERTER,
        tls=settings.temporal_uses_tls,
        api_key=(
            settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
        ),
        connect_timeout=timedelta(seconds=settings.temporal_rpc_timeout_seconds),
        runtime=runtime,
    )


class TemporalGateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.rpc_timeout = timedelta(seconds=settings.temporal_rpc_timeout_seconds)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._owner_pid = 0
        self._client: Client | None = None
        self._connecting: asyncio.Lock | None = None

    def run(self, operation: Callable[[Client], Awaitable[T]], timeout: float | None = None) -> T:
        """Run `operation(client)` on the client's loop and wait for its result."""
        future = asyncio.run_coroutine_threadsafe(self._with_client(operation), self._event_loop())
        limit = timeout if timeout is not None else self.settings.temporal_rpc_timeout_seconds * 2
        try:
            return future.result(limit)
        except FutureTimeout:
            future.cancel()
            raise TemporalUnavailable(f"no answer from Temporal within {limit:.0f}s") from None

    def check(self) -> None:
        """Raise TemporalUnavailable unless the frontend answers a health check."""

        async def probe(client: Client) -> None:
            await client.service_client.check_health(timeout=self.rpc_timeout)

        self.run(probe)

    async def _with_client(self, operation: Callable[[Client], Awaitable[T]]) -> T:
        client = await self._connected()
        try:
            return await operation(client)
        except RPCError as error:
            if error.status in UNAVAILABLE_CODES:
                raise TemporalUnavailable(error.message) from error
            raise

    async def _connected(self) -> Client:
        if self._client is not None:
            return self._client
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._client is None:
                try:
                    self._client = await connect_client(self.settings)
                except (RuntimeError, RPCError) as error:
                    raise TemporalUnavailable(f"cannot connect: {error}") from error
        return self._client

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._owner_pid != os.getpid():
                # A forked child must not reuse its parent's loop thread or client.
                self._client = None
                self._connecting = None
                self._loop = asyncio.new_event_loop()
                self._owner_pid = os.getpid()
                threading.Thread(
                    target=self._loop.run_forever, name="temporal-client", daemon=True
                ).start()
            return self._loop
