"""The acting user for the audit, staff sessions' idle expiry, and the second factor's gate."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import rights, second_factor
from accounts.current import current_request

LAST_SEEN_KEY = "staff_last_seen"
# The session is written at most this often just to move the idle mark: a
# write per request would cost a database row update on every click.
LAST_SEEN_RESOLUTION = 60
# The server forgets an idle staff session this long after the idle limit:
# until then the next request finds it and can tell the user why it ended.
IDLE_GRACE = 10 * 60


def session_lifetime() -> int:
    return settings.STAFF_SESSION_IDLE_MINUTES * 60 + IDLE_GRACE


class CurrentRequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)


@receiver(user_logged_in, dispatch_uid="accounts_staff_last_seen")
def mark_sign_in(sender: object, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    """The idle clock starts at sign-in (and the sign-in's own session write carries the mark)."""
    if request is not None and getattr(user, "is_staff", False) and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = int(time.time())
        request.session.set_expiry(session_lifetime())


class StaffIdleTimeoutMiddleware:
    """A staff session ends after STAFF_SESSION_IDLE_MINUTES without a request.

    Only staff sessions: a citizen's draft (an anonymous session) keeps
    SESSION_COOKIE_AGE. The session's own expiry is moved with the mark (plus
    IDLE_GRACE), so the server forgets an idle session even if it is never
    asked again.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A request without a session cookie has no staff session: leave the session unread.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and user.is_staff:
            idle = settings.STAFF_SESSION_IDLE_MINUTES * 60
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - int(last_seen) > idle:
                logout(request)
                messages.warning(request, _(
                    "Сеанс завершён: %(minutes)d мин без действий. Войдите снова."
                ) % {"minutes": settings.STAFF_SESSION_IDLE_MINUTES})
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            if last_seen is None or now - int(last_seen) >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN_KEY] = now
                request.session.set_expiry(session_lifetime())
        return self.get_response(request)


class SecondFactorMiddleware:
    """No admin page without the second factor for those who must have one, or who have one.

    A staff user with a device whose session was not confirmed with it is
    signed out; one who must have a device and has none is taken to the
    enrolment page and reaches nothing else until it is done.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(reverse("admin:index")):
            return self.get_response(request)
        user = request.user
        if (
            user.is_authenticated and user.is_staff
            and not user.is_verified() and not self.open_path(request.path)  # type: ignore[attr-defined]
        ):
            if second_factor.has_device(user):
                logout(request)
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            if rights.must_have_second_factor(user):
                return redirect("accounts:setup")
        return self.get_response(request)

    @staticmethod
    def open_path(path: str) -> bool:
        """Pages open before the second factor: signing in and out, the enrolment itself."""
        return path in {reverse("admin:login"), reverse("admin:logout"), reverse("admin:jsi18n")} or path.startswith(
            reverse("accounts:setup")
        )
