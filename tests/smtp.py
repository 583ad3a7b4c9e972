"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for the tests."""

from __future__ import annotations

import email
import socket
import threading
import time
from dataclasses import dataclass, field
from email import policy

import pytest
from aiosmtpd.controller import Controller

MAIL_TIMEOUT = 10.0  # seconds to wait for a letter at the SMTP server


@dataclass(frozen=True)
class ReceivedMail:
    subject: str
    to: list[str]  # the To: header's addresses
    rcpt_tos: list[str]  # the SMTP envelope's recipients
    text: str  # the decoded text/plain body
    raw: bytes


class CollectingHandler:
    """aiosmtpd handler: parse each message and keep it."""

    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        received = ReceivedMail(
            # Django folds a long encoded Subject right after the colon
            # ("Subject: \r\n =?utf-8?b?...?="); Python's parser keeps that
            # fold's space in front of the decoded text. Mail clients trim it.
            subject=" ".join(str(message["Subject"] or "").split()),
            to=[address.addr_spec for address in message["To"].addresses] if message["To"] else [],
            rcpt_tos=list(envelope.rcpt_tos),
            text=body.get_content() if body is not None else "",
            raw=raw,
        )
        with self.lock:
            self.messages.append(received)
        return "250 Message accepted for delivery"


@dataclass
class SMTPServer:
    port: int
    handler: CollectingHandler = field(repr=False)

    @property
    def messages(self) -> list[ReceivedMail]:
        with self.handler.lock:
            return list(self.handler.messages)

    def wait_for_message(self, n: int, timeout: float = MAIL_TIMEOUT) -> ReceivedMail:
        """Return the n-th message received (1-based), polling until it arrives."""
        deadline = time.monotonic() + timeout
        while True:
            messages = self.messages
            if len(messages) >= n:
                return messages[n - 1]
            if time.monotonic() > deadline:
                subjects = [m.subject for m in messages]
                raise AssertionError(f"letter #{n} did not arrive within {timeout} s; received: {subjects}")
            time.sleep(0.05)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), ready_timeout=5)
    controller.start()
    try:
        yield SMTPServer(port=controller.port, handler=handler)
    finally:
        controller.stop()


