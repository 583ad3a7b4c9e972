"""The citizen's cabinet: the e-mail address, the one-time link, then every appeal confirmed with it.

The session holds only the proven address and two times: when the citizen
signed in and when they were last seen. Nothing else identifies what may be
shown: each page asks appeals_of(address) again, so an appeal of another
address cannot be reached by changing its number in the URL. The cabinet
never signs anybody in to Django's auth: a cabinet session is no staff
session, and a staff session opens no cabinet.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit import ALL
from django_ratelimit.core import get_usage
from django_ratelimit.decorators import ratelimit

from appeals.models import Appeal
from appeals.services import AppealError
from appeals.views.status import answer_file, status_context
from cabinet import services
from cabinet.forms import EmailForm
from feedback.models import SatisfactionRequest
from feedback.views import answer_page

logger = logging.getLogger(__name__)

SESSION_KEY = "cabinet.session"
INVALID_LINK = gettext_lazy("Ссылка для входа недействительна: она уже использована или истёк её срок. "
                            "Запросите новую ссылку.")


def request_ip_rate(group: str, request: HttpRequest) -> str:
    return settings.CABINET_RATE_REQUEST_IP


def link_ip_rate(group: str, request: HttpRequest) -> str:
    return settings.CABINET_RATE_LINK_IP


def _email_limited(request: HttpRequest, email: str) -> bool:
    """Count a letter asked for this address; whether the address is over its limit.

    In the cache (django-ratelimit's counter, keyed on a hash of the
    address); when the cache is down it counts nothing and lets it through.
    """
    key: Callable[[str, HttpRequest], str] = lambda group, req: email  # noqa: E731
    try:
        usage = get_usage(request, group="cabinet.request.email", key=key,
                          rate=settings.CABINET_RATE_REQUEST_EMAIL, increment=True)
    except Exception:
        logger.warning("cabinet e-mail counter unavailable", exc_info=True)
        return False
    return bool(usage and usage["should_limit"])


def _session_email(request: HttpRequest) -> str | None:
    """The session's proven address while the session lasts; it ends idle or old (settings CABINET_*)."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("email"), str):
        return None
    now = time.time()
    since, seen = float(data.get("since", 0)), float(data.get("seen", 0))
    if now - seen > settings.CABINET_IDLE_MINUTES * 60 or now - since > settings.CABINET_SESSION_HOURS * 3600:
        request.session.pop(SESSION_KEY, None)
        messages.info(request, _("Сеанс личного кабинета завершён, так как прошло много времени. "
                                 "Запросите новую ссылку для входа."))
        return None
    data["seen"] = now
    request.session[SESSION_KEY] = data
    return data["email"]


def _signed_out(request: HttpRequest) -> HttpResponse:
    return redirect("cabinet:start")


def _appeal_of_session(request: HttpRequest, email: str, number: str) -> Appeal:
    appeal = services.appeals_of(email).select_related("department", "redirected_to").filter(number=number).first()
    if appeal is None:
        raise Http404(_("Обращение не найдено."))
    return appeal


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(group="cabinet.request", key="ip", rate=request_ip_rate, method="POST", block=False)
def start(request: HttpRequest) -> HttpResponse:
    """Ask for the address; the answer is the same whether or not any appeal was confirmed with it."""
    if _session_email(request) is not None:
        return redirect("cabinet:appeals")
    form = EmailForm(request.POST if request.method == "POST" else None)
    limited = False
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        limited = getattr(request, "limited", False) or _email_limited(request, email)
        if limited:
            logger.warning("rate limit hit path=cabinet-request")
        else:
            services.request_link(email)
            request.session["cabinet.requested"] = email
            return redirect("cabinet:sent")
    return render(request, "cabinet/start.html", {"form": form, "limited": limited}, status=429 if limited else 200)


@never_cache
@require_http_methods(["GET"])
def sent(request: HttpRequest) -> HttpResponse:
    email = request.session.get("cabinet.requested")
    if not isinstance(email, str):
        return redirect("cabinet:start")
    return render(request, "cabinet/sent.html", {"email": email, "minutes": settings.CABINET_LINK_MINUTES})


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(group="cabinet.link", key="ip", rate=link_ip_rate, method=ALL, block=False)
def enter(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the letter. A GET only shows the button (mail scanners open links); the POST signs in."""
    if getattr(request, "limited", False):
        logger.warning("rate limit hit path=cabinet-link")
        return render(request, "cabinet/invalid.html", {"error": INVALID_LINK}, status=429)
    if len(token) > 100:
        return render(request, "cabinet/invalid.html", {"error": INVALID_LINK}, status=404)
    if request.method == "GET":
        if services.peek_link(token) is None:
            return render(request, "cabinet/invalid.html", {"error": INVALID_LINK}, status=404)
        return render(request, "cabinet/enter.html")
    email = services.use_link(token)
    if email is None:
        return render(request, "cabinet/invalid.html", {"error": INVALID_LINK}, status=404)
    # A new session key: whoever knew the old one does not inherit the cabinet.
    request.session.cycle_key()
    now = time.time()
    request.session[SESSION_KEY] = {"email": email, "since": now, "seen": now}
    request.session.pop("cabinet.requested", None)
    logger.info("cabinet signed in")
    return redirect("cabinet:appeals")


def _open_question(appeal: Appeal) -> SatisfactionRequest | None:
    """The satisfaction question put to the citizen about this appeal, while it waits for their answer."""
    question = SatisfactionRequest.objects.filter(appeal=appeal).first()
    if question is None or question.status != SatisfactionRequest.Status.ASKED:
        return None
    return question if question.expires_at > timezone.now() else None


@never_cache
@require_http_methods(["GET"])
def appeal_list(request: HttpRequest) -> HttpResponse:
    email = _session_email(request)
    if email is None:
        return _signed_out(request)
    appeals = list(services.appeals_of(email).only(
        "number", "status", "received_at", "topic_title", "registration_due", "answer_due", "closed_at"))
    asked = set(SatisfactionRequest.objects.filter(
        appeal__in=appeals, status=SatisfactionRequest.Status.ASKED, expires_at__gt=timezone.now(),
    ).values_list("appeal_id", flat=True))
    rows: list[dict[str, Any]] = [
        {"appeal": appeal, "due": appeal.registration_due if appeal.status == Appeal.Status.RECEIVED
         else appeal.answer_due, "asked": appeal.pk in asked}
        for appeal in appeals
    ]
    return render(request, "cabinet/list.html", {"email": email, "rows": rows})


@never_cache
@require_http_methods(["GET"])
def appeal_detail(request: HttpRequest, number: str) -> HttpResponse:
    email = _session_email(request)
    if email is None:
        return _signed_out(request)
    appeal = _appeal_of_session(request, email, number)
    context = status_context(appeal)
    context["answer_url"] = reverse("cabinet:answer", args=[appeal.number])
    if _open_question(appeal) is not None:
        context["satisfaction_url"] = reverse("cabinet:feedback", args=[appeal.number])
    return render(request, "cabinet/detail.html", context)


@never_cache
@require_http_methods(["GET"])
def appeal_answer(request: HttpRequest, number: str) -> FileResponse:
    email = _session_email(request)
    if email is None:
        raise Http404(_("Ответ не найден."))
    return answer_file(_appeal_of_session(request, email, number))


@never_cache
@require_http_methods(["GET", "POST"])
def appeal_feedback(request: HttpRequest, number: str) -> HttpResponse:
    """The satisfaction question of the feedback app, for an appeal of the cabinet: the address is the proof."""
    email = _session_email(request)
    if email is None:
        return _signed_out(request)
    appeal = _appeal_of_session(request, email, number)
    question = SatisfactionRequest.objects.filter(appeal=appeal).select_related("appeal").first()
    if question is None:
        raise Http404(_("Вопрос об ответе не задавался."))
    return answer_page(request, question)


@never_cache
@require_POST
def access_code(request: HttpRequest, number: str) -> HttpResponse:
    """Have a new access code for the status page issued and sent (the officials' service)."""
    email = _session_email(request)
    if email is None:
        return _signed_out(request)
    appeal = _appeal_of_session(request, email, number)
    try:
        services.issue_access_code(appeal)
    except AppealError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, services.describe_route(appeal))
    return redirect("cabinet:appeal", number=appeal.number)


@never_cache
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.session.pop(SESSION_KEY, None) is not None:
        request.session.cycle_key()
    messages.info(request, _("Вы вышли из личного кабинета."))
    return redirect("cabinet:start")
