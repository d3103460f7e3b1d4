"""A real SMTP server (aiosmtpd) that keeps what it receives, for the email job's tests."""

from __future__ import annotations

import threading
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from devstack.ports import free_port


class _Collector:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse_next = 0
        self.rejected: set[str] = set()
        self.changed = threading.Condition()

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.rejected:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.changed:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                return "451 4.3.0 try again later"
            self.messages.append(message_from_bytes(envelope.content))
            self.changed.notify_all()
        return "250 OK"


class SmtpSink:
    def __init__(self) -> None:
        self.port = free_port()
        self._collector = _Collector()
        self._controller = Controller(self._collector, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def refuse(self, times: int) -> None:
        """Answer the next `times` deliveries with a temporary failure (451)."""
        with self._collector.changed:
            self._collector.refuse_next = times

    def reject(self, recipient: str) -> None:
        """Refuse this recipient permanently (550)."""
        with self._collector.changed:
            self._collector.rejected.add(recipient)

    def messages_to(self, recipient: str) -> list[Message]:
        with self._collector.changed:
            return [m for m in self._collector.messages if m["To"] == recipient]

    def wait_for(self, recipient: str, count: int, timeout: float) -> list[Message]:
        with self._collector.changed:
            self._collector.changed.wait_for(
                lambda: len([m for m in self._collector.messages if m["To"] == recipient]) >= count,
                timeout,
            )
        return self.messages_to(recipient)
