"""The citizen's pages: the link from the e-mail answer, the code from the postal one.

Mail scanners open links by themselves: a GET only shows the question, the
choice of the link preselected; the citizen's click (a POST) records it, as
the confirmation link does (appeals.views.public.confirm_link). Wrong links
and codes get one neutral error, limited per IP address in the cache and,
for the codes, counted per appeal in the database (the cache fails open).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit import ALL
from django_ratelimit.decorators import ratelimit

from appeals.models import Appeal
from appeals.views.status import STATUS_SESSION_KEY
from feedback import services
from feedback.forms import CodeForm, DetailsForm, SatisfactionForm
from feedback.models import SatisfactionRequest

logger = logging.getLogger(__name__)

NEUTRAL_ERROR = gettext_lazy("Ссылка или код оценки ответа недействительны.")
REQUEST_SESSION_KEY = "feedback.request"
Status = SatisfactionRequest.Status


def feedback_rate(group: str, request: HttpRequest) -> str:
    return settings.FEEDBACK_RATE


def _invalid(request: HttpRequest, *, status: int) -> HttpResponse:
    return render(request, "feedback/invalid.html", {"error": NEUTRAL_ERROR}, status=status)


def answer_page(request: HttpRequest, satisfaction: SatisfactionRequest) -> HttpResponse:
    """The question, or the thanks with what may still be added, or the expiry; POST records.

    Also the citizen's cabinet's page of the question (the cabinet app), for an appeal of its session.
    """
    form: SatisfactionForm | DetailsForm | None = None
    expired = satisfaction.status == Status.EXPIRED or (
        satisfaction.status == Status.ASKED and satisfaction.expires_at <= timezone.now())
    if not expired and satisfaction.status == Status.ASKED:
        chosen = request.GET.get("answer", "")
        initial = {"resolved": chosen} if chosen in SatisfactionRequest.Resolved.values else {}
        form = SatisfactionForm(request.POST if request.method == "POST" else None, initial=initial)
    elif not expired and (satisfaction.mark is None or not satisfaction.comment):
        form = DetailsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            if isinstance(form, SatisfactionForm):
                services.answer_request(satisfaction, **form.cleaned_data)
                messages.success(request, _("Спасибо! Ваш ответ записан."))
            else:
                services.add_details(satisfaction, **form.cleaned_data)
                messages.success(request, _("Спасибо! Оценка и комментарий записаны."))
        except services.FeedbackError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(request.path)
    context = {"satisfaction": satisfaction, "appeal": satisfaction.appeal, "form": form, "expired": expired}
    return render(request, "feedback/answer.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(group="feedback.secret", key="ip", rate=feedback_rate, method=ALL, block=False)
def by_token(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail answer: GET and POST alike are limited, so tokens cannot be tried in bulk."""
    if getattr(request, "limited", False):
        logger.warning("rate limit hit path=feedback-token")
        return _invalid(request, status=429)
    key = services.key_by_token(token)
    if key is None:
        return _invalid(request, status=404)
    return answer_page(request, services.request_for_key(key))


def _status_appeal(request: HttpRequest) -> Appeal | None:
    appeal_id = request.session.get(STATUS_SESSION_KEY)
    return Appeal.objects.filter(pk=appeal_id).first() if isinstance(appeal_id, int) else None


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(group="feedback.secret", key="ip", rate=feedback_rate, method="POST", block=False)
def by_code(request: HttpRequest) -> HttpResponse:
    """The code from the postal answer, entered once the status page is open (number and access code)."""
    appeal = _status_appeal(request)
    if appeal is None:
        messages.info(request, _("Введите номер обращения и код доступа, затем код оценки ответа."))
        return redirect("appeals:status")
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        key = None
        if getattr(request, "limited", False):
            logger.warning("rate limit hit path=feedback-code")
            status = 429
        else:
            key = services.key_by_code(appeal, form.cleaned_data["code"])
        if key is None:
            form.add_error("code", NEUTRAL_ERROR)
        else:
            request.session[REQUEST_SESSION_KEY] = services.request_for_key(key).pk
            return redirect("feedback:answer")
    return render(request, "feedback/code.html", {"form": form, "appeal": appeal}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest) -> HttpResponse:
    """The question for the appeal of the status page, once its code was entered."""
    appeal = _status_appeal(request)
    satisfaction = None
    request_id = request.session.get(REQUEST_SESSION_KEY)
    if appeal is not None and isinstance(request_id, int):
        satisfaction = SatisfactionRequest.objects.filter(
            pk=request_id, appeal=appeal).select_related("appeal").first()
    if satisfaction is None:
        return redirect("feedback:by_code")
    return answer_page(request, satisfaction)
