"""E-mail backends that fail the way real SMTP servers do."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    """The SMTP server is down: every send fails with a connection error."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


class TemporaryFailureBackend(BaseEmailBackend):
    """The server answers 451 (try again later)."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPDataError(451, b"4.3.0 Try again later")
