"""Citizens' pages: the form, the identification step and the receipt."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from appeals import services
from appeals.attachments import format_mb
from appeals.forms import ADD_COAUTHOR, AppealForm, ConfirmationCodeForm, coauthor_rows_from, draft_data
from appeals.identification import (
    TOO_MANY_FROM_CLIENT,
    IdentificationError,
    Identity,
    count_wrong_code,
    email_backend,
    wrong_code_limit_reached,
)
from appeals.models import APPLICANT_FIELDS, Draft
from classifiers.models import IntakeNote, Topic

logger = logging.getLogger(__name__)

DRAFT_SESSION_KEY = "appeals.draft"
RECEIPT_SESSION_KEY = "appeals.receipt"


def submit_rate(group: str, request: HttpRequest) -> str:
    return settings.APPEALS_RATE_SUBMIT


def confirm_rate(group: str, request: HttpRequest) -> str:
    return settings.APPEALS_RATE_CONFIRM


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Too many submissions or confirmations from one address."""
    logger.warning("rate limit hit path=%s", request.path)
    return render(request, "appeals/rate_limited.html", status=429)


def _session_draft(request: HttpRequest) -> Draft | None:
    draft = services.get_open_draft(request.session.get(DRAFT_SESSION_KEY))
    backend = email_backend()
    if draft is not None and draft.status == Draft.Status.AWAITING and backend.is_locked(draft):
        # Too many wrong codes: the citizen submits again, from a new draft
        # that has what they typed and the files that passed their checks.
        draft = services.restart_draft(draft)
        request.session[DRAFT_SESSION_KEY] = str(draft.key)
        messages.error(request, str(backend.locked_error()))
    return draft


def _blank_form_version(form: AppealForm) -> str | None:
    """A key for the cached HTML of an empty form: it changes with the topics offered.

    Rendering the form with crispy-forms is the costliest part of the page;
    an empty form is the same for everyone but for the captcha, which is
    rendered apart. One small indexed query decides whether the copy is fresh.
    """
    if form.is_bound or form.initial or form.kept:
        return None
    topics = list(Topic.objects.offered().values_list("pk", "code", "title"))
    return hashlib.sha256(repr((topics, str(form.fields["consent"].label))).encode()).hexdigest()[:16]


def _render_form(
    request: HttpRequest, form: AppealForm, draft: Draft | None, status: int = 200, limited: bool = False
) -> HttpResponse:
    context = {
        "limited": limited,
        "form": form,
        "kept": form.kept,
        "notes": IntakeNote.objects.published(),
        "draft": draft,
        "max_total": settings.APPEALS_ATTACHMENTS_MAX_TOTAL,
        "max_total_mb": format_mb(settings.APPEALS_ATTACHMENTS_MAX_TOTAL),
        "blank_form_version": _blank_form_version(form),
    }
    return render(request, "appeals/form.html", context, status=status)


def _typed(request: HttpRequest) -> dict:
    """What the citizen typed, unchecked, to give it back in a blank form."""
    typed: dict = {name: request.POST.get(name, "") for name in (*APPLICANT_FIELDS, "topic", "consent",
                                                                 "organisation")}
    typed["coauthors"] = coauthor_rows_from(request.POST)
    return typed


def _ensure_draft(request: HttpRequest, draft: Draft | None) -> Draft:
    """The session's draft, made on first need (the first accepted file or a valid form)."""
    if draft is None:
        draft = services.create_draft()
        request.session[DRAFT_SESSION_KEY] = str(draft.key)
    return draft


def _kept_files(draft: Draft | None) -> list:
    return list(draft.attachments.all()) if draft else []


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(group="appeals.submit", key="ip", rate=submit_rate, method="POST", block=False)
def appeal_form(request: HttpRequest) -> HttpResponse:
    """Show the form, keep what passed its checks, and send the draft to identification."""
    draft = _session_draft(request)
    if draft and draft.status == Draft.Status.CONFIRMED:
        if request.method == "POST":
            # The same form sent again (back button, double click): no second appeal.
            messages.info(request, _("Это обращение уже принято под номером %(number)s.") % {"number": draft.appeal})
            return redirect("appeals:received")
        draft = None
        request.session.pop(DRAFT_SESSION_KEY, None)

    if request.method == "GET":
        initial = dict(draft.data) if draft else {}
        form = AppealForm(initial=initial, kept=_kept_files(draft))
        return _render_form(request, form, draft)

    if getattr(request, "limited", False):
        # Too many submissions from this address: nothing is checked or
        # stored, but what was typed comes back in the form.
        logger.warning("rate limit hit path=%s", request.path)
        form = AppealForm(initial=_typed(request), kept=_kept_files(draft))
        return _render_form(request, form, draft, status=429, limited=True)

    form = AppealForm(
        request.POST,
        request.FILES,
        kept=_kept_files(draft),
        dropped_uploads=getattr(request, "dropped_uploads", []),
    )
    valid = form.is_valid()
    if form.is_spam:
        logger.warning("honeypot filled; submission discarded")
        return render(request, "appeals/check_email.html", {"email": None})

    # Files that passed their checks stay with the draft even if another
    # field failed, so the citizen does not attach them again.
    removed = form.data_removed_attachments()
    if form.accepted_files or removed:
        draft = _ensure_draft(request, draft)
        services.remove_files(draft, removed)
        services.store_files(draft, form.accepted_files)

    if ADD_COAUTHOR in request.POST:
        # "Добавить соавтора" without JavaScript: the form comes back with what
        # was typed and a blank co-author row; the files that passed are kept.
        form = AppealForm(initial=_typed(request), kept=_kept_files(draft))
        return _render_form(request, form, draft)

    if not valid:
        form.kept = _kept_files(draft)
        return _render_form(request, form, draft)

    draft = _ensure_draft(request, draft)
    try:
        draft = services.submit_draft(draft, draft_data(form.cleaned_data))
    except services.AppealError as exc:
        messages.error(request, str(exc))
        return redirect("appeals:received")
    return redirect(email_backend().start(draft))


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(group="appeals.confirm", key="ip", rate=confirm_rate, method="POST", block=True)
def check_email(request: HttpRequest) -> HttpResponse:
    """Tell the citizen to open the letter; accept the code from it, or send it again."""
    draft = _session_draft(request)
    if draft is None:
        messages.warning(request, _("Черновик обращения не найден или его срок истёк. Заполните форму заново."))
        return redirect("appeals:form")
    if draft.status == Draft.Status.CONFIRMED:
        return redirect("appeals:received")
    if draft.status != Draft.Status.AWAITING:
        return redirect("appeals:form")

    backend = email_backend()
    code_form = ConfirmationCodeForm()
    if request.method == "POST" and "resend" in request.POST:
        if backend.can_resend(draft):
            backend.send_letter(draft)
            messages.success(request, _("Письмо отправлено ещё раз."))
        else:
            messages.warning(request, _("Письмо уже отправлено. Новое можно запросить через минуту."))
        return redirect("appeals:check_email")
    if request.method == "POST":
        code_form = ConfirmationCodeForm(request.POST)
        if code_form.is_valid():
            if wrong_code_limit_reached(request, draft.email):
                code_form.add_error("code", str(TOO_MANY_FROM_CLIENT))
            else:
                try:
                    identity = backend.check_code(draft, code_form.cleaned_data["code"])
                except IdentificationError as exc:
                    if exc.counted:
                        count_wrong_code(request, draft.email)
                    if exc.code == "locked":
                        _session_draft(request)  # moves the typed values to a new draft, with the message
                        return redirect("appeals:form")
                    code_form.add_error("code", str(exc))
                else:
                    return _receive(request, draft, identity)
    return render(request, "appeals/check_email.html", {"email": draft.email, "draft": draft, "code_form": code_form})


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(group="appeals.confirm", key="ip", rate=confirm_rate, method="POST", block=True)
def confirm_link(request: HttpRequest, key: str, token: str) -> HttpResponse:
    """The link from the letter: GET shows a button, POST receives the appeal.

    Mail scanners open links by themselves; only the citizen's click (a POST)
    turns the draft into an appeal.
    """
    draft = services.get_open_draft(key)
    if draft is not None and draft.status == Draft.Status.CONFIRMED:
        request.session[DRAFT_SESSION_KEY] = str(draft.key)
        return redirect("appeals:received")
    backend = email_backend()
    posted = request.method == "POST"
    try:
        if draft is None:
            raise IdentificationError(
                _("Срок действия ссылки истёк или обращение не найдено. Заполните форму заново.")
            )
        # The citizen's click counts a wrong token like a wrong code; a
        # mail scanner's GET does not (it counts nothing). The limits per
        # client and per address do not stop the link: its token cannot be
        # guessed, and someone typing wrong codes at this address must not
        # keep its owner from confirming with the letter.
        identity = backend.check_token(draft, token, count_wrong=posted)
    except IdentificationError as exc:
        if exc.counted and draft is not None:
            count_wrong_code(request, draft.email)
        return render(request, "appeals/confirm_failed.html", {"reason": str(exc)}, status=400)
    if request.method == "GET":
        return render(request, "appeals/confirm.html", {"draft": draft})
    request.session[DRAFT_SESSION_KEY] = str(draft.key)
    return _receive(request, draft, identity)


def _receive(request: HttpRequest, draft: Draft, identity: Identity) -> HttpResponse:
    try:
        receipt = services.receive_appeal(draft, identity)
    except services.AppealError as exc:
        messages.error(request, str(exc))
        return redirect("appeals:form")
    if receipt.created:
        request.session[RECEIPT_SESSION_KEY] = {
            "number": receipt.appeal.number,
            "access_code": receipt.access_code,
        }
    return redirect("appeals:received")


@never_cache
def received(request: HttpRequest) -> HttpResponse:
    """The receipt: the registration number and the access code, shown once per session."""
    receipt: dict[str, str] = request.session.get(RECEIPT_SESSION_KEY) or {}
    draft = _session_draft(request)
    appeal = draft.appeal if draft and draft.appeal_id else None
    number = appeal.number if appeal else receipt.get("number")
    if not number:
        return redirect("appeals:form")
    access_code = receipt.get("access_code") if receipt.get("number") == number else None
    return render(
        request,
        "appeals/received.html",
        {"number": number, "access_code": access_code, "appeal": appeal},
    )
