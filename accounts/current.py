"""The request being served, so that model signals know who is acting.

A context variable, not a thread-local: it is reset at the end of each
request and stays correct under ASGI too. Outside a request (a management
command, the shell, a migration) there is no actor, and the audit says so.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.contrib.auth.models import User
from django.http import HttpRequest

current_request: ContextVar[HttpRequest | None] = ContextVar("accounts_current_request", default=None)


def actor() -> User | None:
    request = current_request.get()
    user = getattr(request, "user", None) if request is not None else None
    if user is None or not user.is_authenticated:
        return None
    return user
