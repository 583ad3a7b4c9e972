"""The citizen's status page: by number and access code, then only that appeal (issue #4 item 8).

After the number and code match, the session holds the appeal's id and
nothing else identifies it: no URL carries an id, so no other appeal can be
reached by changing one. Every page is private and never cached.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
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
from django_ratelimit.decorators import ratelimit

from appeals import tokens
from appeals.models import Answer, Appeal
from appeals.services import AppealError
from appeals.services.handling import withdraw_appeal
from appeals.status_forms import StatusLoginForm, WithdrawForm
from letters.models import TO_BODY_KINDS, PostalLetter
from outbox.models import OutgoingMessage

logger = logging.getLogger(__name__)

STATUS_SESSION_KEY = "appeals.status_appeal"
NEUTRAL_ERROR = gettext_lazy("Номер обращения или код доступа указаны неверно.")
# Compared against when the number is unknown, so that an unknown number
# costs the same hash and comparison as a wrong code.
_DUMMY_HASH = tokens.hash_secret("no such appeal: dummy access code")

Status = Appeal.Status

# What each state means for the citizen and what happens next.
STATUS_EXPLANATIONS: dict[str, Any] = {
    Status.RECEIVED: gettext_lazy(
        "Обращение поступило и ожидает регистрации. Его зарегистрируют в течение трёх дней с момента "
        "поступления (ч. 2 ст. 8 Федерального закона № 59-ФЗ) и направят на рассмотрение."
    ),
    Status.REGISTERED: gettext_lazy(
        "Обращение зарегистрировано. Теперь его направят в подразделение, которое решает такие вопросы; если "
        "вопрос не входит в компетенцию учреждения, обращение в течение семи дней переадресуют в орган, "
        "который его решит, и сообщат вам об этом (ч. 3 ст. 8)."
    ),
    Status.IN_WORK: gettext_lazy(
        "Обращение рассматривается по существу в подразделении, указанном ниже. Ответ будет направлен вам "
        "не позднее срока ответа (ч. 1 ст. 12)."
    ),
    Status.ON_APPROVAL: gettext_lazy(
        "Ответ подготовлен и передан на подпись руководителю. После подписания его направят вам выбранным "
        "способом."
    ),
    Status.ANSWERED: gettext_lazy(
        "Дан ответ по существу: он подписан и направлен вам выбранным способом. "
        "Если вы не согласны с ответом, вы можете обратиться повторно или обжаловать его."
    ),
    Status.REDIRECTED: gettext_lazy(
        "Вопрос не входит в компетенцию учреждения, поэтому обращение направлено в орган, который его решает "
        "(ч. 3 ст. 8). Ответ по существу даст этот орган; уведомление о переадресации направлено вам."
    ),
    Status.NO_ANSWER: gettext_lazy(
        "Обращение оставлено без ответа по существу по основанию, предусмотренному Федеральным законом "
        "№ 59-ФЗ (указано ниже); уведомление с разъяснением направлено вам."
    ),
    Status.WITHDRAWN: gettext_lazy(
        "Рассмотрение обращения прекращено по вашему заявлению. Если вопрос остался, вы можете подать новое "
        "обращение."
    ),
}


def status_rate(group: str, request: HttpRequest) -> str:
    return settings.APPEALS_RATE_STATUS


def find_appeal(number: str, code: str) -> Appeal | None:
    """The appeal with this number whose access code is `code`, or None, in about the same time either way."""
    appeal = Appeal.objects.filter(number=number).only("pk", "access_code_hash").first()
    stored = appeal.access_code_hash if appeal is not None else _DUMMY_HASH
    matches = tokens.check_secret(code, stored)
    return appeal if appeal is not None and matches else None


def _session_appeal(request: HttpRequest) -> Appeal | None:
    appeal_id = request.session.get(STATUS_SESSION_KEY)
    if not isinstance(appeal_id, int):
        return None
    return Appeal.objects.select_related("department", "redirected_to").filter(pk=appeal_id).first()


def _not_logged_in(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("Введите номер обращения и код доступа, чтобы узнать, как оно рассматривается."))
    return redirect("appeals:status")


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(group="appeals.status", key="ip", rate=status_rate, method="POST", block=False)
def status_login(request: HttpRequest) -> HttpResponse:
    """Ask for the number and the access code; on a match keep the appeal in the session."""
    limited = request.method == "POST" and getattr(request, "limited", False)
    if request.method == "GET":
        form = StatusLoginForm()
    elif limited:
        logger.warning("rate limit hit path=%s", request.path)
        form = StatusLoginForm(initial={"number": request.POST.get("number", "")})
    else:
        form = StatusLoginForm(request.POST)
        if form.is_valid():
            appeal = find_appeal(form.cleaned_data["number"], form.cleaned_data["code"])
            if appeal is not None:
                # A new session key: whoever knew the old one (a shared
                # computer, a fixated cookie) does not inherit the access.
                request.session.cycle_key()
                request.session[STATUS_SESSION_KEY] = appeal.pk
                return redirect("appeals:status_detail")
            form.add_error(None, NEUTRAL_ERROR)
    context = {"form": form, "limited": limited}
    return render(request, "appeals/status_login.html", context, status=429 if limited else 200)


@dataclass(frozen=True)
class Notice:
    at: datetime | None
    subject: str
    way: str


def _notices(appeal: Appeal) -> list[Notice]:
    """The letters sent to the citizen about this appeal: e-mails sent, postal letters queued or posted."""
    body_kinds = [str(kind) for kind in TO_BODY_KINDS]
    notices = [
        Notice(message.sent_at, message.subject, _("по электронной почте"))
        for message in OutgoingMessage.objects.filter(appeal=appeal, status=OutgoingMessage.Status.SENT)
        .exclude(kind__in=[f"letters.{kind}" for kind in body_kinds])
        .only("sent_at", "subject")
    ]
    for letter in PostalLetter.objects.filter(appeal=appeal).exclude(kind__in=body_kinds):
        if letter.status in (PostalLetter.Status.SENT, PostalLetter.Status.RETURNED):
            way = _("отправлено почтой %(date)s") % {
                "date": timezone.localtime(letter.sent_at or letter.created_at).strftime("%d.%m.%Y")}
            if letter.tracking_number:
                way += ", " + _("ШПИ %(number)s") % {"number": letter.tracking_number}
            if letter.status == PostalLetter.Status.RETURNED:
                way += "; " + _("письмо вернулось неврученным (%(reason)s), учреждение решает, как направить ответ") % {
                    "reason": letter.get_return_reason_display()}
            notices.append(Notice(letter.sent_at or letter.created_at, letter.subject, way))
        else:
            notices.append(Notice(letter.created_at, letter.subject, _("готовится к отправке по почте")))
    epoch = timezone.make_aware(datetime(2000, 1, 1))
    return sorted(notices, key=lambda notice: notice.at or epoch)


def _signed_answer(appeal: Appeal) -> Answer | None:
    if appeal.status != Status.ANSWERED:
        return None
    return Answer.objects.filter(appeal=appeal, status=Answer.Status.SIGNED).first()


def _due(appeal: Appeal) -> tuple[str, date | None]:
    """The date the citizen waits for now, and what it is the date of."""
    if appeal.status == Status.RECEIVED:
        return _("Срок регистрации"), appeal.registration_due
    return _("Срок ответа"), appeal.answer_due


def days_text(days: int) -> str:
    """«1 день», «3 дня», «30 дней»: the Russian plural of a number of days."""
    if days % 10 == 1 and days % 100 != 11:
        word = _("день")
    elif 2 <= days % 10 <= 4 and not 12 <= days % 100 <= 14:
        word = _("дня")
    else:
        word = _("дней")
    return f"{days} {word}"


@never_cache
@require_http_methods(["GET"])
def status_detail(request: HttpRequest) -> HttpResponse:
    """The appeal of the session: its state, who handles it, when to expect what, and the letters."""
    appeal = _session_appeal(request)
    if appeal is None:
        return _not_logged_in(request)
    context = status_context(appeal)
    context["answer_url"] = reverse("appeals:status_answer")
    context["feedback_by_code"] = True
    return render(request, "appeals/status_detail.html", context)


def status_context(appeal: Appeal) -> dict[str, Any]:
    """What a citizen may see of one appeal (templates/appeals/includes/status_sections.html).

    The status page and the citizen's cabinet (the cabinet app) show the
    same; each adds `answer_url`, where its own view serves the answer's PDF.
    """
    due_label, due_date = _due(appeal)
    return {
        "appeal": appeal,
        "explanation": STATUS_EXPLANATIONS[appeal.status],
        "due_label": due_label,
        "due_date": due_date,
        "notices": _notices(appeal),
        "answer": _signed_answer(appeal),
        "extension_days": days_text(appeal.extension_days),
    }


def answer_file(appeal: Appeal) -> FileResponse:
    """The signed answer's PDF of this appeal, as sent; 404 until it is answered."""
    answer = _signed_answer(appeal)
    if answer is None or not answer.pdf:
        raise Http404(_("Ответ не найден."))
    try:
        handle = answer.pdf.open("rb")
    except FileNotFoundError as exc:
        logger.error("answer pdf missing appeal=%s name=%s", appeal.pk, answer.pdf.name)
        raise Http404(_("Ответ не найден.")) from exc
    filename = f"Ответ {answer.outgoing_number or appeal.number}.pdf".replace("/", "-")
    return FileResponse(handle, as_attachment=True, filename=filename, content_type="application/pdf")


@never_cache
@require_http_methods(["GET"])
def status_answer(request: HttpRequest) -> FileResponse:
    """The signed answer's PDF, as sent: only the session's appeal, only once it is answered."""
    appeal = _session_appeal(request)
    if appeal is None:
        raise Http404(_("Ответ не найден."))
    return answer_file(appeal)


@never_cache
@require_http_methods(["GET", "POST"])
def status_withdraw(request: HttpRequest) -> HttpResponse:
    """Confirm the withdrawal (art. 5 of 59-FZ); the POST stops consideration."""
    appeal = _session_appeal(request)
    if appeal is None:
        return _not_logged_in(request)
    if not appeal.is_open:
        messages.warning(request, _("Рассмотрение обращения уже завершено: отозвать его нельзя."))
        return redirect("appeals:status_detail")
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            withdraw_appeal(appeal, user=None, comment=form.cleaned_data["comment"])
        except AppealError as exc:
            messages.error(request, str(exc))
        else:
            logger.info("appeal withdrawn by the citizen number=%s", appeal.number)
            messages.success(
                request,
                _("Обращение № %(number)s отозвано: его рассмотрение прекращено. Уведомление об этом будет "
                  "направлено вам.") % {"number": appeal.number},
            )
        return redirect("appeals:status_detail")
    return render(request, "appeals/status_withdraw.html", {"appeal": appeal, "form": form})


@never_cache
@require_POST
def status_logout(request: HttpRequest) -> HttpResponse:
    """Forget the appeal: the session no longer opens it."""
    if request.session.pop(STATUS_SESSION_KEY, None) is not None:
        request.session.cycle_key()
    messages.info(request, _("Вы вышли со страницы обращения."))
    return redirect("appeals:status")
