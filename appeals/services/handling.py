"""The officials' steps in an appeal's life (DESIGN.md section 3).

Every step is one function taking the appeal and the acting user. Each one:
1. locks the appeal (select_for_update) inside one transaction;
2. checks the user's permission and department, then the appeal's state,
   raising AppealError with a message for the official when the step is
   not allowed, before anything is changed;
3. changes the appeal and writes an immutable history entry (who, when,
   what, comment, the values before and after);
4. queues the notices through the letters app, in the same transaction: the
   outbox hands them to Celery only when it commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals import deadlines, tokens
from appeals.models import (
    Answer,
    AnswerAutosave,
    AnswerFile,
    Appeal,
    AppealEvent,
    AppealKind,
    AppealQuestion,
    Art11Case,
    Channel,
    Department,
    DocumentRequest,
    OutgoingCounter,
    QuestionResult,
    ReplyMethod,
    attachments_storage,
)
from appeals.services import access, authorship, terms
from appeals.services.intake import AppealError, format_number, next_sequence, queue_acknowledgement
from appeals.signals import answer_previewed, answer_signed
from classifiers.models import Cause, ExternalBody, Institution, Measure, Topic

logger = logging.getLogger(__name__)

Status = Appeal.Status
OPEN = set(Appeal.OPEN_STATUSES)

# Art. 11 cases and what follows from each (DESIGN.md section 5): the letter
# to the citizen (None: the law gives none) and whether the appeal may be
# forwarded to a law-enforcement body (part 1).
ART11_NOTICE: dict[str, str | None] = {
    Art11Case.NO_NAME_OR_ADDRESS: None,
    Art11Case.COURT_DECISION: "art11_part2",
    Art11Case.ABUSIVE: "art11_part3",
    Art11Case.UNREADABLE: "art11_part4",
    Art11Case.NO_ESSENCE: "art11_part4_1",
    Art11Case.TERMINATED: "art11_part5",
    Art11Case.PUBLISHED: "art11_part5_1",
    Art11Case.SECRET: "art11_part6",
}


# An appeal that came through these is an electronic one (art. 7 part 3).
ELECTRONIC_CHANNELS = (Channel.SITE, Channel.EPGU)


def part1_missing(appeal: Appeal) -> list[str]:
    """What art. 11 part 1 asks for and the appeal does not give: the surname, or the address for the answer.

    The address for the answer is the postal address of a written appeal;
    an electronic one gives the e-mail address when the answer is to go by
    e-mail, the postal address when it is to go by post (art. 7 part 3).
    """
    missing = []
    if not appeal.last_name.strip():
        missing.append(_("фамилия"))
    if appeal.channel in ELECTRONIC_CHANNELS and appeal.reply_method == ReplyMethod.EMAIL:
        if not appeal.email.strip():
            missing.append(_("адрес электронной почты для ответа"))
    elif not appeal.address.strip():
        missing.append(_("почтовый адрес для ответа"))
    return missing


class AppealPermissionError(AppealError):
    """The user's role or department does not allow the step."""


# --- helpers ----------------------------------------------------------------
def _lock(appeal: Appeal, user=None) -> Appeal:
    """Lock the appeal's row and reload the caller's instance from it; check the user's department on it.

    The department is checked on the locked row, not on what the caller
    read earlier: a concurrent reassignment cannot slip in between.
    """
    appeal.refresh_from_db(from_queryset=Appeal.objects.select_for_update())
    if user is not None and not access.can_see(user, appeal):
        raise AppealPermissionError(_("Обращение относится к другому подразделению."))
    return appeal


def _require(user, permission: str) -> None:
    if not user.has_perm(f"appeals.{permission}"):
        raise AppealPermissionError(_("Недостаточно прав для этого действия."))


def _require_state(appeal: Appeal, allowed: Iterable[str], action: str) -> None:
    if appeal.status not in set(allowed):
        raise AppealError(
            _("Нельзя %(action)s: обращение в состоянии «%(status)s».")
            % {"action": action, "status": appeal.get_status_display()}
        )


def _plain(value: Any) -> Any:
    """A value as the history stores it (JSON): dates as ISO strings, rows as their text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Model):
        return str(value)
    return value


def _snapshot(appeal: Appeal, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(appeal, name)) for name in fields}


def record(
    appeal: Appeal,
    action: str,
    *,
    user=None,
    actor_label: str = "",
    comment: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AppealEvent:
    """Append one step to the appeal's history."""
    return AppealEvent.objects.create(
        appeal=appeal,
        action=action,
        actor=user if user is not None and user.is_authenticated else None,
        actor_label=actor_label,
        comment=comment,
        before=before or {},
        after=after or {},
    )


def _change(appeal: Appeal, action: str, *, user=None, actor_label: str = "", comment: str = "",
            note: dict[str, Any] | None = None, **values: Any):
    """Set fields on the locked appeal, recompute its terms, save, and write the history entry.

    `note` adds to the entry what the step rested on beyond the fields (the
    history is append-only: it is written now or never).
    """
    names = list(values)
    before = _snapshot(appeal, [*names, "next_due"])
    for name, value in values.items():
        setattr(appeal, name, value)
    changed = terms.refresh_terms(appeal)
    appeal.save(update_fields=sorted({*names, *changed}))
    after = {**_snapshot(appeal, [*names, "next_due"]), **(note or {})}
    return record(appeal, action, user=user, actor_label=actor_label, comment=comment, before=before, after=after)


def _letter_context(appeal: Appeal, **extra: Any) -> dict[str, Any]:
    return {
        "appeal": appeal,
        "institution": Institution.get_current(),
        "portal_url": settings.PORTAL_BASE_URL,
        "status_url": settings.PORTAL_BASE_URL + reverse("appeals:status"),
        **extra,
    }


def _notify_citizen(appeal: Appeal, kind: str, **extra: Any) -> None:
    from letters.services import deliver_to_citizen

    deliver_to_citizen(appeal, kind, _letter_context(appeal, **extra))


def _write_to_body(appeal: Appeal, body: ExternalBody, kind: str, **extra: Any) -> None:
    from letters.services import deliver_to_body

    deliver_to_body(body, kind, _letter_context(appeal, body=body, **extra), appeal=appeal)


def _set_results(appeal: Appeal, result: str) -> None:
    appeal.questions.filter(result=QuestionResult.IN_PROGRESS).update(result=result, measures_taken=False)


def _close(appeal: Appeal, status: str, action: str, *, user=None, actor_label: str = "", comment: str = "",
           note: dict[str, Any] | None = None, **values: Any) -> AppealEvent:
    now = timezone.now()
    extra = {"decided_at": appeal.decided_at or now}
    return _change(
        appeal, action, user=user, actor_label=actor_label, comment=comment, note=note,
        status=status, closed_at=now, **extra, **values,
    )


# --- entry by the registrar ---------------------------------------------------
@dataclass(frozen=True)
class EnteredAppeal:
    appeal: Appeal
    access_code: str


PAPER_FIELDS = ("source_body", "source_number", "source_date", "sheets", "enclosures", "enclosure_sheets",
                "organisation")


def enter_appeal(user, *, channel: str, received_at: datetime, topic: Topic, data: dict[str, Any],
                 scans: Sequence[tuple[Any, Any]] = (), paper: dict[str, Any] | None = None) -> EnteredAppeal:
    """Enter an appeal that came by post, in person, through the Госуслуги platform or from another body.

    `data` holds the applicant's fields (APPLICANT_FIELDS); `scans` are
    (uploaded file, CheckedFile) pairs already checked by content; `paper`
    the entry's own details (PAPER_FIELDS and "coauthors", a list of rows).
    From here on the appeal lives the same life as one received through the
    site: an appeal redirected here by another body is registered and
    answered in the terms counted from its receipt and registration here
    (art. 8 part 3 of 59-FZ), whatever the date of the body's letter.
    """
    from appeals.models import APPLICANT_FIELDS, Attachment
    from appeals.services.intake import add_coauthors, store_scan

    _require(user, "enter_appeal")
    paper = dict(paper or {})
    coauthor_rows = list(paper.pop("coauthors", None) or [])
    if channel == Channel.SITE:
        raise AppealError(_("Обращения с сайта поступают через форму; здесь вносятся поступившие иным путём."))
    if received_at > timezone.now():
        raise AppealError(_("Дата поступления не может быть в будущем."))
    if channel == Channel.REDIRECTED and not paper.get("source_body"):
        raise AppealError(_("Укажите орган, переадресовавший обращение (ч. 3 ст. 8 Федерального закона № 59-ФЗ)."))
    if channel != Channel.REDIRECTED and paper.get("source_body"):
        raise AppealError(_("Орган указывается только для обращения, переадресованного из другого органа."))
    access_code = tokens.new_access_code()
    with transaction.atomic():
        year = timezone.localdate(received_at).year
        sequence = next_sequence(year)
        appeal = Appeal(
            number=format_number(year, sequence), year=year, sequence=sequence,
            channel=channel, received_at=received_at,
            topic=topic, topic_code=topic.code, topic_title=topic.title,
            identification_method="registrar", identified_as=user.get_username(),
            access_code_hash=tokens.hash_secret(access_code),
            is_collective=bool(coauthor_rows),
            **{name: data.get(name, "") for name in APPLICANT_FIELDS},
            **{name: paper[name] for name in PAPER_FIELDS if paper.get(name) not in (None, "")},
        )
        terms.refresh_terms(appeal)
        appeal.save()
        coauthors = add_coauthors(appeal, coauthor_rows)
        for upload, checked in scans:
            store_scan(appeal, upload, checked)
        appeal.attachment_count = Attachment.objects.filter(appeal=appeal).count()
        appeal.save(update_fields=["attachment_count"])
        after: dict[str, Any] = {
            "channel": appeal.get_channel_display(), "received_at": _plain(received_at),
            "attachment_count": appeal.attachment_count,
        }
        if appeal.source_body is not None:
            after["redirected_from"] = appeal.source_citation
        for name in ("sheets", "enclosures", "enclosure_sheets"):
            if getattr(appeal, name) is not None:
                after[name] = getattr(appeal, name)
        if coauthors:
            after["coauthors"] = coauthors  # how many: their names are personal data
        record(appeal, "appeal.entered", user=user, after=after)
        queue_acknowledgement(appeal)
    logger.info("appeal entered number=%s channel=%s", appeal.number, channel)
    return EnteredAppeal(appeal=appeal, access_code=access_code)


# --- registration and assignment ------------------------------------------------
def register_appeal(appeal: Appeal, user, *, questions: Sequence[Topic] = (), comment: str = "") -> Appeal:
    """Register a received appeal (art. 8 part 2: within 3 days of receipt)."""
    _require(user, "register_appeal")
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, [Status.RECEIVED], _("зарегистрировать"))
        topics = [appeal.topic, *(topic for topic in questions if topic.pk != appeal.topic_id)]
        for topic in topics:
            AppealQuestion.objects.get_or_create(
                appeal=appeal, topic=topic, defaults={"topic_code": topic.code, "topic_title": topic.title}
            )
        _change(appeal, "appeal.registered", user=user, comment=comment,
                status=Status.REGISTERED, registered_at=timezone.now(), registered_by=user)
        if appeal.reply_method == "email":
            # A letter costs nothing by e-mail; by post the answer itself is
            # the next letter, so registration is not mailed.
            _notify_citizen(appeal, "registered", due_date=appeal.answer_due)
    return appeal


def assign_appeal(appeal: Appeal, user, *, department: Department, executor=None, comment: str = "") -> Appeal:
    """Send the appeal to a department (and an executor) for consideration on the merits."""
    _require(user, "assign_appeal")
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, [Status.REGISTERED, Status.IN_WORK], _("направить на рассмотрение"))
        # Art. 8 part 6: a complaint never goes to whom it complains about.
        if department.pk == appeal.complaint_against_department_id:
            raise AppealError(_("Жалобу нельзя направлять в подразделение, действия которого обжалуются "
                                "(ч. 6 ст. 8 Федерального закона № 59-ФЗ)."))
        if executor is not None:
            if executor.pk == appeal.complaint_against_user_id:
                raise AppealError(_("Жалобу нельзя поручать сотруднику, действия которого обжалуются "
                                    "(ч. 6 ст. 8 Федерального закона № 59-ФЗ)."))
            if not executor.departments.filter(pk=department.pk).exists():
                raise AppealError(_("Исполнитель не состоит в выбранном подразделении."))
        if not department.is_active:
            raise AppealError(_("Подразделение упразднено."))
        _change(appeal, "appeal.assigned", user=user, comment=comment,
                status=Status.IN_WORK, department=department, executor=executor,
                decided_at=appeal.decided_at or timezone.now())
    return appeal


def register_and_assign(appeal: Appeal, user, *, department: Department, executor=None,
                        questions: Sequence[Topic] = (), comment: str = "") -> Appeal:
    """Register the appeal and send it for consideration in one step (issue 10: one form, fewer clicks).

    The two steps are the usual two, with their two history entries and
    checks, in one transaction: a refused assignment leaves the appeal
    unregistered, as it was, and no letter goes out.
    """
    _require(user, "register_appeal")
    _require(user, "assign_appeal")
    with transaction.atomic():
        register_appeal(appeal, user, questions=questions, comment=comment)
        assign_appeal(appeal, user, department=department, executor=executor)
    return appeal


def set_complaint_subject(appeal: Appeal, user, *, body: ExternalBody | None = None,
                          department: Department | None = None, official=None, comment: str = "") -> Appeal:
    """Record whose decision or action the complaint is about (art. 8 part 6)."""
    _require(user, "register_appeal")
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, OPEN, _("указать объект жалобы"))
        if department is not None and department.pk == appeal.department_id:
            raise AppealError(_("Обращение уже в этом подразделении: сначала направьте его в другое."))
        _change(appeal, "appeal.complaint_subject", user=user, comment=comment,
                complaint_against_body=body, complaint_against_department=department,
                complaint_against_user=official)
    return appeal


def link_appeals(appeal: Appeal, user, *, others: Sequence[Appeal], comment: str = "", source: str = "") -> Appeal:
    """Link a repeated appeal to the earlier ones of the same author on the same question.

    `source` says what the step followed, when not the official's own
    reading («по подсказке»): kept in the history entry.
    """
    _require(user, "link_appeals")
    others = [other for other in others if other.pk != appeal.pk]
    if not others:
        raise AppealError(_("Укажите другие обращения."))
    with transaction.atomic():
        appeal = _lock(appeal, user)
        before = sorted(appeal.linked_appeals.values_list("number", flat=True))
        appeal.linked_appeals.add(*others)
        after = sorted(appeal.linked_appeals.values_list("number", flat=True))
        record(appeal, "appeal.linked", user=user, comment=comment,
               before={"linked_appeals": before}, after={"linked_appeals": after, **_source(source)})
    return appeal


def _source(source: str) -> dict[str, str]:
    return {"source": source} if source else {}


def change_kind(appeal: Appeal, user, *, kind: str, comment: str = "", source: str = "") -> Appeal:
    """Set the kind of the appeal (первичное, повторное, многократное: DESIGN.md section 6)."""
    _require(user, "register_appeal")
    if kind not in AppealKind.values:
        raise AppealError(_("Неизвестный вид обращения."))
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, OPEN, _("изменить вид обращения"))
        if appeal.kind == kind:
            raise AppealError(_("Обращение уже имеет этот вид."))
        _change(appeal, "appeal.kind_changed", user=user, comment=comment, note=_source(source), kind=kind)
    return appeal


def add_question(appeal: Appeal, user, *, topic: Topic, comment: str = "", source: str = "") -> AppealQuestion:
    """Add a question of the classifier to the appeal (before or after registration, while it is considered)."""
    _require(user, "register_appeal")
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, [Status.RECEIVED, Status.REGISTERED, Status.IN_WORK], _("добавить вопрос"))
        if AppealQuestion.objects.filter(appeal=appeal, topic=topic).exists():
            raise AppealError(_("Этот вопрос уже учтён в обращении."))
        question = AppealQuestion.objects.create(appeal=appeal, topic=topic, topic_code=topic.code,
                                                 topic_title=topic.title)
        record(appeal, "appeal.question_added", user=user, comment=comment,
               after={"question": f"{topic.code} {topic.title}", **_source(source)})
    return question


# --- decisions within 7 days ------------------------------------------------------
def redirect_appeal(appeal: Appeal, user, *, body: ExternalBody, comment: str = "") -> Appeal:
    """Redirect by competence to another body, with a notice to the citizen (art. 8 part 3)."""
    _require(user, "redirect_appeal")
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, [Status.REGISTERED, Status.IN_WORK], _("переадресовать"))
        _check_recipient_body(appeal, body)
        _set_results(appeal, QuestionResult.REDIRECTED)
        _close(appeal, Status.REDIRECTED, "appeal.redirected", user=user, comment=comment, redirected_to=body)
        _write_to_body(appeal, body, "redirect_body")
        _notify_citizen(appeal, "redirect", body=body)
    return appeal


def send_copies(appeal: Appeal, user, *, bodies: Sequence[ExternalBody], comment: str = "") -> Appeal:
    """Send copies to the other bodies competent for some of the questions (art. 8 part 4), telling the citizen.

    The appeal stays where it is: the institution goes on with the questions
    that are its own (or redirects it as a whole with redirect_appeal).
    """
    _require(user, "redirect_appeal")
    bodies = list(dict.fromkeys(bodies))
    if not bodies:
        raise AppealError(_("Выберите органы, которым направляются копии."))
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, [Status.REGISTERED, Status.IN_WORK], _("направить копии"))
        for body in bodies:
            _check_recipient_body(appeal, body)
        record(appeal, "appeal.copies_sent", user=user, comment=comment,
               after={"copies_to": [body.name for body in bodies]})
        for body in bodies:
            _write_to_body(appeal, body, "copies_body")
        _notify_citizen(appeal, "copies", bodies=bodies)
    return appeal


def return_complaint(appeal: Appeal, user, *, comment: str) -> Appeal:
    """Return a complaint that can go to nobody competent (art. 8 part 7), explaining the right to go to court.

    That is the case when the only competent body is the one whose decision
    or action the complaint is about (part 6 forbids sending it there): the
    registrar records it with set_complaint_subject first.
    """
    _require(user, "redirect_appeal")
    if not comment.strip():
        raise AppealError(_("Укажите, почему жалобу некому направить."))
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, [Status.REGISTERED, Status.IN_WORK], _("вернуть жалобу"))
        body = appeal.complaint_against_body
        if body is None:
            raise AppealError(_("Жалоба возвращается, только если её нельзя направить в компетентный орган, "
                                "потому что обжалуются его решение или действие (ч. 7 ст. 8): сначала укажите "
                                "этот орган как объект жалобы."))
        _set_results(appeal, QuestionResult.NO_ANSWER)
        _close(appeal, Status.NO_ANSWER, "appeal.complaint_returned", user=user, comment=comment)
        _notify_citizen(appeal, "complaint_returned", reason=body.name)
    return appeal


def _check_recipient_body(appeal: Appeal, body: ExternalBody) -> None:
    if body.pk == appeal.complaint_against_body_id:
        raise AppealError(_("Жалобу нельзя направлять в орган, решение или действие которого обжалуется "
                            "(ч. 6 ст. 8 Федерального закона № 59-ФЗ)."))
    if not body.is_active:
        raise AppealError(_("Орган «%(body)s» отмечен как недействующий.") % {"body": body})


def decide_art11(appeal: Appeal, user, *, case: str, comment: str, published_url: str = "",
                 forward_to: ExternalBody | None = None, notify: bool = True, part1_reason: str = "",
                 source: str = "") -> Appeal:
    """Leave the appeal without an answer on the merits on an article 11 ground, with its notice.

    `notify` matters only for part 4: the notice goes when the name and the
    postal address can be read. Part 1 is for an appeal that lacks the
    surname or the address for the answer (part1_missing); when both are
    there, only with `part1_reason`, why they are not a real name or address,
    kept in the history. Part 5 (termination) is the head's: see
    terminate_correspondence.
    """
    if case == Art11Case.TERMINATED:
        return terminate_correspondence(appeal, user, comment=comment)
    _require(user, "decide_art11")
    if case not in ART11_NOTICE:
        raise AppealError(_("Неизвестное основание статьи 11."))
    if not comment.strip():
        raise AppealError(_("Укажите, в чём состоит основание."))
    if case == Art11Case.PUBLISHED and not published_url.strip():
        raise AppealError(_("Укажите адрес страницы сайта, где размещён ответ (ч. 5.1 ст. 11)."))
    if forward_to is not None and case != Art11Case.NO_NAME_OR_ADDRESS:
        raise AppealError(_("В правоохранительный орган направляется только обращение без фамилии или адреса "
                            "(ч. 1 ст. 11)."))
    if forward_to is not None and not forward_to.is_law_enforcement:
        raise AppealError(_("Обращение о противоправном деянии направляется в правоохранительный орган "
                            "(ч. 1 ст. 11): выберите орган, отмеченный как правоохранительный."))
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, [Status.REGISTERED, Status.IN_WORK], _("принять решение по статье 11"))
        note: dict[str, Any] = {}
        if case == Art11Case.NO_NAME_OR_ADDRESS:
            missing = part1_missing(appeal)
            if not missing and not part1_reason.strip():
                raise AppealError(_("В обращении указаны фамилия и адрес для ответа: решение по ч. 1 ст. 11 "
                                    "принимается, только если их нет или если указанное не является настоящей "
                                    "фамилией или адресом. Укажите, почему."))
            note = {"part1_missing": [str(item) for item in missing], "part1_reason": part1_reason.strip()}
        note.update(_source(source))
        _set_results(appeal, QuestionResult.NO_ANSWER)
        _close(appeal, Status.NO_ANSWER, f"appeal.art11.{case}", user=user, comment=comment, note=note,
               art11_case=case)
        if forward_to is not None:
            _write_to_body(appeal, forward_to, "art11_part1_forward")
        kind = ART11_NOTICE[case]
        if kind is not None and (notify or case != Art11Case.UNREADABLE):
            _notify_citizen(appeal, kind, reason=comment, published_url=published_url)
    return appeal


def terminate_correspondence(appeal: Appeal, user, *, comment: str) -> Appeal:
    """Decide that the appeal is groundless and end the correspondence on its question (art. 11 part 5).

    Allowed when the same author had written answers on the merits to the
    same institution on the same question at least twice before (the earlier
    appeals are linked; authorship.earlier_answers says which of them count)
    and the appeal brings no new arguments; the head decides.
    """
    _require(user, "terminate_correspondence")
    if not comment.strip():
        raise AppealError(_("Укажите, почему в обращении нет новых доводов."))
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, [Status.REGISTERED, Status.IN_WORK, Status.ON_APPROVAL], _("прекратить переписку"))
        grounds = authorship.earlier_answers(appeal)
        counted = [row for row in grounds if row.counts]
        if len(counted) < authorship.TERMINATION_MIN_ANSWERS:
            raise AppealError(_termination_refusal(grounds))
        _set_results(appeal, QuestionResult.NO_ANSWER)
        _close(appeal, Status.NO_ANSWER, "appeal.art11.part5", user=user, comment=comment,
               note={"earlier_answers": [row.appeal.number for row in counted]}, art11_case=Art11Case.TERMINATED)
        _notify_citizen(appeal, "art11_part5", reason=comment)
    return appeal


def _termination_refusal(grounds: Sequence[authorship.EarlierAnswer]) -> str:
    """Why the correspondence cannot be ended: what counts, and why each other linked appeal does not."""
    message = _("Переписку можно прекратить, если тому же заявителю по тому же вопросу уже не менее двух раз "
                "давались письменные ответы по существу (ч. 5 ст. 11 Федерального закона № 59-ФЗ).")
    counted = [str(row) for row in grounds if row.counts]
    others = [str(row) for row in grounds if not row.counts]
    if not grounds:
        return message + " " + _("Связанных прежних обращений нет: свяжите с этим обращением прежние обращения "
                                 "заявителя, на которые давались ответы.")
    parts = [message, _("Учтены: %(list)s.") % {"list": ", ".join(counted)} if counted else _("Учтённых нет.")]
    if others:
        parts.append(_("Не учтены: %(list)s.") % {"list": "; ".join(others)})
    return " ".join(parts)


# --- during consideration -----------------------------------------------------------
def request_documents(appeal: Appeal, user, *, body: ExternalBody, text: str) -> DocumentRequest:
    """Request documents from another body (art. 10 part 2): it answers within 15 days.

    Item 2 of art. 10 part 1 excepts courts, bodies of inquiry and of
    preliminary investigation: they are never asked (ExternalBody.kind).
    """
    _require(user, "request_documents")
    if not text.strip():
        raise AppealError(_("Укажите, какие документы запрашиваются."))
    if not body.accepts_documents_request:
        raise AppealError(
            _("Документы не запрашиваются у судов, органов дознания и органов предварительного следствия "
              "(п. 2 ч. 1 ст. 10 Федерального закона № 59-ФЗ): «%(body)s» — %(kind)s.")
            % {"body": body, "kind": body.get_kind_display()}
        )
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, [Status.IN_WORK], _("запросить документы"))
        today = timezone.localdate()
        due = deadlines.compute_due(today, deadlines.DOCUMENTS, terms.work_calendar(), terms.shift_rule())
        request = DocumentRequest.objects.create(
            appeal=appeal, body=body, text=text, sent_on=today, due=due.due, created_by=user
        )
        record(appeal, "appeal.documents_requested", user=user, comment=text,
               after={"body": body.name, "due": due.due.isoformat()})
        _write_to_body(appeal, body, "documents_request", reason=text, due_date=due.due)
    return request


def record_documents_received(request: DocumentRequest, user, *, on: date | None = None) -> DocumentRequest:
    _require(user, "request_documents")
    with transaction.atomic():
        appeal = _lock(request.appeal, user)
        request = DocumentRequest.objects.select_for_update().get(pk=request.pk)
        if request.answered_on is not None:
            raise AppealError(_("Ответ на этот запрос уже отмечен."))
        request.answered_on = on or timezone.localdate()
        request.save(update_fields=["answered_on"])
        record(appeal, "appeal.documents_received", user=user,
               after={"body": request.body.name, "answered_on": request.answered_on.isoformat()})
    return request


EXTENDABLE = (Status.REGISTERED, Status.IN_WORK, Status.ON_APPROVAL)
# What clears a pending request for an extension (the head's decision on it).
NO_EXTENSION_REQUEST: dict[str, Any] = {
    "extension_requested_at": None, "extension_requested_days": 0, "extension_requested_reason": "",
}


def _check_extension(days: int, reason: str) -> None:
    if not 1 <= days <= deadlines.EXTENSION_MAX_DAYS:
        raise AppealError(_("Срок продлевается не более чем на 30 дней."))
    if not reason.strip():
        raise AppealError(_("Укажите основание продления."))


def _check_extendable(appeal: Appeal, action: str) -> None:
    """The locked appeal's term may still be extended: an open state, not extended before, not yet ended."""
    _require_state(appeal, EXTENDABLE, action)
    if appeal.extension_days:
        raise AppealError(_("Срок рассмотрения уже продлевался; продлить его можно только один раз."))
    if appeal.answer_due is not None and timezone.localdate() > appeal.answer_due:
        raise AppealError(_("Срок уже истёк: продлить его можно только до окончания."))


def extend_term(appeal: Appeal, user, *, days: int, reason: str) -> Appeal:
    """Extend the answer's term once, by up to 30 days, before it ends, with a notice (art. 12 part 2).

    A pending request of the executor (request_extension) is answered by it
    and cleared; the history keeps what was asked (the entry's «before»).
    """
    _require(user, "extend_term")
    _check_extension(days, reason)
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _check_extendable(appeal, _("продлить срок"))
        request = NO_EXTENSION_REQUEST if appeal.extension_requested_at is not None else {}
        _change(appeal, "appeal.extended", user=user, comment=reason, extension_days=days, extension_reason=reason,
                **request)
        _notify_citizen(appeal, "extension", due_date=appeal.answer_due, reason=reason)
    return appeal


def request_extension(appeal: Appeal, user, *, days: int, reason: str) -> Appeal:
    """The executor asks the head to extend the term (art. 12 part 2: only the head, or whom they authorise, extends).

    Recorded in the history and as a pending request on the appeal (the
    head's work list counts them) until the head extends or declines. The
    citizen is told nothing yet: only an extension is notified.
    """
    _require(user, "draft_answer")
    _check_extension(days, reason)
    with transaction.atomic():
        appeal = _lock(appeal, user)
        if appeal.executor_id != user.pk and not access.sees_all(user):
            raise AppealPermissionError(_("Продление запрашивает исполнитель, которому поручено обращение."))
        _check_extendable(appeal, _("запросить продление срока"))
        if appeal.extension_requested_at is not None:
            raise AppealError(_("Продление уже запрошено и ждёт решения руководителя."))
        _change(appeal, "appeal.extension_requested", user=user, comment=reason,
                extension_requested_at=timezone.now(), extension_requested_days=days,
                extension_requested_reason=reason)
    return appeal


def decline_extension(appeal: Appeal, user, *, comment: str) -> Appeal:
    """The head declines the executor's request: the term stays, the request clears, the reason is in the history."""
    _require(user, "extend_term")
    if not comment.strip():
        raise AppealError(_("Укажите, почему срок не продлевается."))
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, EXTENDABLE, _("отказать в продлении срока"))
        if appeal.extension_requested_at is None:
            raise AppealError(_("Продление не запрашивалось."))
        _change(appeal, "appeal.extension_declined", user=user, comment=comment, **NO_EXTENSION_REQUEST)
    return appeal


# --- the outcome per question (the complaint analysis) ------------------------------
class QuestionOutcomeError(AppealError):
    """A refused outcome of one question: `field` names the step form's field it belongs next to."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class QuestionOutcome:
    """What the analysis of one question found: the cause, the measures taken, how it was checked."""

    cause: Cause | None = None
    measures: Sequence[Measure] = ()
    checked_by_commission: bool = False
    checked_on_site: bool = False
    checked_with_applicant: bool = False

    CHECKS = ("checked_by_commission", "checked_on_site", "checked_with_applicant")


def _apply_outcome(question: AppealQuestion, outcome: QuestionOutcome, *, with_measures: bool) -> None:
    """Check the outcome against the question's result and store it on the question.

    Measures are refused unless the question is «поддержано» with «меры
    приняты» (the ССТУ result they explain); a cause no longer in use is
    refused unless the question already had it.
    """
    if outcome.cause is not None and not outcome.cause.is_active and outcome.cause.pk != question.cause_id:
        raise QuestionOutcomeError(
            _("Причина «%(cause)s» больше не применяется.") % {"cause": outcome.cause},
            field=f"cause_{question.pk}",
        )
    measures = list(outcome.measures)
    if with_measures:
        takes_measures = question.result == QuestionResult.SUPPORTED and question.measures_taken
        if measures and not takes_measures:
            raise QuestionOutcomeError(
                _("Меры указываются только для вопроса с результатом «поддержано» и отметкой «меры приняты»."),
                field=f"measures_list_{question.pk}",
            )
        if takes_measures and not measures:
            raise QuestionOutcomeError(_("Укажите принятые меры."), field=f"measures_list_{question.pk}")
    question.cause = outcome.cause
    for name in QuestionOutcome.CHECKS:
        setattr(question, name, getattr(outcome, name))
    question.save(update_fields=["cause", *QuestionOutcome.CHECKS])
    if with_measures:
        question.measures.set(measures)


def _outcomes_note(questions: Sequence[AppealQuestion]) -> list[dict[str, Any]]:
    """The questions' outcomes as the history keeps them: titles, not ids (the books may change)."""
    rows = []
    for question in questions:
        row: dict[str, Any] = {
            "question": question.topic_code,
            "result": question.result,
            "cause": str(question.cause) if question.cause_id else "",
            "checked": [name for name in QuestionOutcome.CHECKS if getattr(question, name)],
        }
        if question.measures_taken:
            row["measures"] = [measure.title for measure in question.measures.all()]
        rows.append(row)
    return rows


# --- the answer ---------------------------------------------------------------------
def _require_executor(appeal: Appeal, user) -> None:
    if appeal.executor_id not in (None, user.pk) and not access.sees_all(user):
        raise AppealPermissionError(_("Ответ готовит исполнитель, которому поручено обращение."))


def save_answer_draft(appeal: Appeal, user, *, text: str, files: Sequence[tuple[Any, Any]] = (),
                      remove_files: Sequence[int] = (),
                      outcomes: dict[int, QuestionOutcome] | None = None) -> Answer:
    """Write or rewrite the draft of the answer, add enclosures and take some off.

    `files` are (uploaded file, CheckedFile) pairs already checked by
    content; `remove_files` are ids of this answer's enclosures; `outcomes`,
    when given, is what the executor found per question so far (kept with
    the draft, so nothing chosen is lost; submit_answer records it in the
    history).
    """
    from appeals.services.intake import store_checked_file

    _require(user, "draft_answer")
    if not text.strip():
        raise AppealError(_("Текст ответа пуст."))
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, [Status.IN_WORK], _("готовить ответ"))
        _require_executor(appeal, user)
        answer, created = Answer.objects.get_or_create(appeal=appeal, defaults={"text": text, "drafted_by": user})
        if not created:
            answer.text, answer.drafted_by, answer.drafted_at = text, user, timezone.now()
            answer.status = Answer.Status.DRAFT
            answer.save(update_fields=["text", "drafted_by", "drafted_at", "status"])
        removed = list(AnswerFile.objects.filter(answer=answer, pk__in=remove_files))
        AnswerFile.objects.filter(pk__in=[enclosure.pk for enclosure in removed]).delete()
        # The files go once their rows are gone for good.
        transaction.on_commit(partial(_delete_files, [enclosure.file.name or "" for enclosure in removed]))
        added = [store_checked_file(AnswerFile, upload, checked, name="enclosure", answer=answer)
                 for upload, checked in files]
        changes: dict[str, Any] = {"length": len(text)}
        if added:
            changes["added_files"] = [enclosure.original_name for enclosure in added]
        if removed:
            changes["removed_files"] = [enclosure.original_name for enclosure in removed]
        if outcomes:
            for question in appeal.questions.select_related("cause"):
                if question.pk in outcomes:
                    _apply_outcome(question, outcomes[question.pk], with_measures=False)
        record(appeal, "answer.drafted", user=user, after=changes)
        # What the page kept while typing is now the draft.
        AnswerAutosave.objects.filter(appeal=appeal, user=user).delete()
    return answer


def autosave_answer(appeal: Appeal, user, *, text: str) -> AnswerAutosave:
    """Keep what the executor has typed in the draft page so far (AnswerAutosave); no history entry.

    The same checks as saving the draft: the right, the state, the executor.
    The draft itself and its history change only when the executor saves.
    """
    _require(user, "draft_answer")
    if len(text) > 100_000:
        raise AppealError(_("Текст ответа слишком длинный."))
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, [Status.IN_WORK], _("готовить ответ"))
        _require_executor(appeal, user)
        autosave, _created = AnswerAutosave.objects.update_or_create(
            appeal=appeal, user=user, defaults={"text": text, "saved_at": timezone.now()})
    return autosave


def _delete_files(names: list[str]) -> None:
    storage = attachments_storage()
    for name in names:
        if name:
            storage.delete(name)


def submit_answer(appeal: Appeal, user, *, comment: str = "",
                  outcomes: dict[int, QuestionOutcome] | None = None) -> Appeal:
    """Send the drafted answer to the head for approval and signature.

    `outcomes` maps question ids to what the executor found: the cause and
    how it was checked (the measures come with the result, at signing).
    """
    _require(user, "draft_answer")
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, [Status.IN_WORK], _("передать ответ на подпись"))
        _require_executor(appeal, user)
        answer = Answer.objects.filter(appeal=appeal).first()
        if answer is None or not answer.text.strip():
            raise AppealError(_("Сначала подготовьте текст ответа."))
        questions = list(appeal.questions.select_related("cause"))
        note = None
        if outcomes is not None:
            for question in questions:
                if question.pk in outcomes:
                    _apply_outcome(question, outcomes[question.pk], with_measures=False)
            note = {"questions": _outcomes_note(questions)}
        answer.status = Answer.Status.ON_APPROVAL
        answer.save(update_fields=["status"])
        _change(appeal, "answer.submitted", user=user, comment=comment, note=note, status=Status.ON_APPROVAL)
    return appeal


def save_and_submit_answer(appeal: Appeal, user, *, text: str, files: Sequence[tuple[Any, Any]] = (),
                           remove_files: Sequence[int] = (), comment: str = "",
                           outcomes: dict[int, QuestionOutcome] | None = None) -> Answer:
    """Save the draft and pass it for signature in one action: the two history entries, one transaction."""
    with transaction.atomic():
        answer = save_answer_draft(appeal, user, text=text, files=files, remove_files=remove_files)
        submit_answer(appeal, user, comment=comment, outcomes=outcomes)
    answer.refresh_from_db()
    return answer


def return_answer(appeal: Appeal, user, *, comment: str) -> Appeal:
    """Send the answer back to the executor with remarks."""
    _require(user, "sign_answer")
    if not comment.strip():
        raise AppealError(_("Укажите замечания к ответу."))
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, [Status.ON_APPROVAL], _("вернуть ответ"))
        Answer.objects.filter(appeal=appeal).update(status=Answer.Status.DRAFT)
        _change(appeal, "answer.returned", user=user, comment=comment, status=Status.IN_WORK)
    return appeal


def _correct(appeal: Appeal, answer: Answer, user, text: str) -> bool:
    """Put the head's corrected text on the answer and keep the previous one in the history."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise AppealError(_("Текст ответа пуст."))
    if text == answer.text.replace("\r\n", "\n").strip():
        return False
    previous = answer.text
    answer.text = text
    answer.save(update_fields=["text"])
    record(appeal, "answer.corrected", user=user, comment=_("Текст ответа исправлен перед подписанием."),
           before={"answer_text": previous}, after={"answer_text": text})
    return True


def correct_answer(appeal: Appeal, user, *, text: str) -> bool:
    """The head corrects the answer's text before signing (issue 10 item 4); the history keeps both texts.

    Returns whether the text changed. The answer stays on approval: the head
    reads the letter again (the preview) and signs, or returns it.
    """
    _require(user, "sign_answer")
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, [Status.ON_APPROVAL], _("исправить ответ"))
        answer = Answer.objects.select_for_update().get(appeal=appeal)
        return _correct(appeal, answer, user, text)


def next_outgoing_number(year: int) -> str:
    OutgoingCounter.objects.bulk_create([OutgoingCounter(year=year)], ignore_conflicts=True)
    counter = OutgoingCounter.objects.select_for_update().get(year=year)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return f"{settings.APPEALS_OUTGOING_PREFIX}-{year}-{counter.last_value:06d}"


def sign_answer(appeal: Appeal, user, *, signer_position: str, results: dict[int, tuple[str, bool]],
                signer_name: str = "", outcomes: dict[int, QuestionOutcome] | None = None,
                text: str | None = None) -> Answer:
    """Approve and sign the answer (art. 10 part 3), record the result per question, and send it.

    `results` maps each question's id to its ССТУ result and whether
    measures were taken; `outcomes` to the cause, the measures and the
    checks, as the head confirms or corrects what the executor recorded.
    `text`, when given and different, is the head's correction of the
    answer's text: recorded (with the previous text) before the signature.
    The answer's PDF is rendered once here and kept: it is the document
    sent, by e-mail or by post as the citizen chose. Receivers of
    appeals.signals.answer_signed may add paragraphs to the letter.
    """
    from letters.pdf import answer_pdf, with_enclosures

    _require(user, "sign_answer")
    if not signer_position.strip():
        raise AppealError(_("Укажите должность подписывающего."))
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, [Status.ON_APPROVAL], _("подписать ответ"))
        answer = Answer.objects.select_for_update().get(appeal=appeal)
        if text is not None:
            _correct(appeal, answer, user, text)
        questions = list(appeal.questions.all())
        allowed = {choice for choice, _label in QuestionResult.choices} - {
            QuestionResult.IN_PROGRESS, QuestionResult.REDIRECTED, QuestionResult.NO_ANSWER,
        }
        for question in questions:
            result, measures = results.get(question.pk, ("", False))
            if result not in allowed:
                raise AppealError(_("Укажите результат рассмотрения по вопросу «%(question)s».")
                                  % {"question": question})
            question.result = result
            question.measures_taken = bool(measures) and result == QuestionResult.SUPPORTED
            question.save(update_fields=["result", "measures_taken"])
            if outcomes is not None and question.pk in outcomes:
                _apply_outcome(question, outcomes[question.pk], with_measures=True)
            elif not question.measures_taken:
                # A result without measures keeps none from an earlier signing attempt.
                question.measures.clear()
        now = timezone.now()
        answer.status = Answer.Status.SIGNED
        answer.signed_by, answer.signed_at = user, now
        answer.signer_position = signer_position.strip()
        answer.signer_name = signer_name.strip() or staff_signature(user)
        answer.outgoing_number = next_outgoing_number(timezone.localdate(now).year)
        answer.outgoing_date = timezone.localdate(now)
        answer.save()
        _close(appeal, Status.ANSWERED, "answer.signed", user=user,
               comment=_("Исх. № %(number)s") % {"number": answer.outgoing_number},
               note={"questions": _outcomes_note(questions)})
        context = _letter_context(appeal, **answer_context(answer))
        # What the capabilities add (feedback: how to rate the answer) goes
        # where the citizen reads the answer: the e-mail's text, or the
        # letter itself when it goes by post. The stored text stays the
        # executor's.
        extra = [reply for _receiver, reply in answer_signed.send(
            sender=Answer, appeal=appeal, answer=answer, user=user) if isinstance(reply, str) and reply]
        sent_context = {**context, "answer_text": "\n\n".join([answer.text, *extra])} if extra else context
        enclosures = []
        for enclosure in AnswerFile.objects.filter(answer=answer):
            with enclosure.file.open("rb") as handle:
                enclosures.append((enclosure.content_type, handle.read()))
        by_post = appeal.reply_method == ReplyMethod.POST
        letter = answer_pdf(sent_context if by_post else context)
        pdf = with_enclosures(letter, enclosures)
        answer.pdf.save(f"{appeal.number}.pdf", ContentFile(pdf), save=False)
        answer.save(update_fields=["pdf"])
        from letters.services import deliver_to_citizen, page_count

        deliver_to_citizen(appeal, "answer", sent_context, pdf=pdf, pdf_name=f"{answer.outgoing_number}.pdf",
                           letter_pages=page_count(letter))
    return answer


def preview_answer_pdf(appeal: Appeal, user) -> bytes:
    """The answer exactly as it will go, rendered from the draft without a number or a date (issue 10 item 4).

    What sign_answer renders, with the signer's position and name from the
    staff record of the user about to sign: the head reads the letter, not
    only its text, before signing. tests/appeals/test_answer_letter.py checks
    that it equals the signed PDF but for the number and the date.
    """
    from appeals.models import StaffProfile
    from letters.pdf import answer_pdf, with_enclosures

    answer = Answer.objects.get(appeal=appeal)
    profile = StaffProfile.objects.filter(user=user).first()
    draft = Answer(
        appeal=appeal, text=answer.text, drafted_by=answer.drafted_by,
        signer_position=profile.position if profile is not None else "",
        signer_name=staff_signature(user),
    )
    context = _letter_context(appeal, **answer_context(draft))
    if appeal.reply_method == ReplyMethod.POST:
        # What sign_answer adds to a postal letter, as it will read (a code made at signing left blank).
        extra = [reply for _receiver, reply in answer_previewed.send(
            sender=Answer, appeal=appeal, answer=answer, user=user) if isinstance(reply, str) and reply]
        if extra:
            context["answer_text"] = "\n\n".join([answer.text, *extra])
    enclosures = []
    for enclosure in AnswerFile.objects.filter(answer=answer):
        with enclosure.file.open("rb") as handle:
            enclosures.append((enclosure.content_type, handle.read()))
    return with_enclosures(answer_pdf(context), enclosures)


def answer_context(answer: Answer) -> dict[str, Any]:
    return {
        "answer_text": answer.text,
        "signer_name": answer.signer_name,
        "signer_position": answer.signer_position,
        "outgoing_number": answer.outgoing_number,
        "outgoing_date": answer.outgoing_date,
        "executor": executor_mark(answer.drafted_by),
    }


def staff_signature(user) -> str:
    """The signer's initials and surname: from the staff record, else from the account's name."""
    from appeals.models import StaffProfile

    profile = StaffProfile.objects.filter(user=user).first()
    return (profile.signature_name.strip() if profile is not None else "") or _signature_name(user)


def executor_mark(user) -> str:
    """The executor's mark at the foot of the letter (ГОСТ Р 7.0.97): the full name, then the phone.

    The name is the account's surname and name (with the patronymic, which
    the name field holds: «Анна Андреевна»); the phone the one in the staff
    record, else the institution's. Empty without a user.
    """
    from appeals.models import StaffProfile

    if user is None:
        return ""
    name = " ".join(part for part in ((user.last_name or "").strip(), (user.first_name or "").strip()) if part)
    profile = StaffProfile.objects.filter(user=user).first()
    phone = (profile.phone.strip() if profile is not None else "") or Institution.get_current().phone
    lines = [name or user.get_username()]
    if phone:
        lines.append(f"тел. {phone}")
    return "\n".join(lines)


def _signature_name(user) -> str:
    """«И. О. Фамилия», as a signature is written; the login when the name is not filled in."""
    first, last = (user.first_name or "").split(), (user.last_name or "").strip()
    if not last:
        return user.get_username()
    initials = " ".join(f"{part[0]}." for part in first)
    return f"{initials} {last}".strip()


# --- the citizen's request ----------------------------------------------------------
def withdraw_appeal(appeal: Appeal, *, user=None, comment: str = "") -> Appeal:
    """Stop consideration at the citizen's request (art. 5): through the status page or by the registrar."""
    if user is not None:
        _require(user, "withdraw_appeal")
    with transaction.atomic():
        appeal = _lock(appeal, user)
        _require_state(appeal, OPEN, _("отозвать обращение"))
        _set_results(appeal, QuestionResult.NO_ANSWER)
        _close(appeal, Status.WITHDRAWN, "appeal.withdrawn", user=user,
               actor_label="" if user is not None else str(_("заявитель")), comment=comment)
        _notify_citizen(appeal, "withdrawn", reason=comment)
    return appeal


# --- the citizen's access code ---------------------------------------------------------
def access_code_route(appeal: Appeal) -> str:
    """How a new access code reaches the citizen: "email" or "post", the way they chose for letters."""
    return "email" if appeal.reply_method == ReplyMethod.EMAIL and appeal.email.strip() else "post"


def issue_access_code(appeal: Appeal, user, *, comment: str = "") -> Appeal:
    """Give the citizen a new access code for the status page (the old one stops working).

    The code is sent, never shown to the official: by e-mail through the
    outbox, or printed into a postal letter in the clerk's queue, as the
    citizen chose (letters.services.deliver_to_citizen). Only its hash is
    kept; the history says that a code was issued and how it went, not the code.
    Without a user, the citizen asked for it themselves (the cabinet app,
    after proving the address the appeal was confirmed with).
    """
    if user is not None:
        _require(user, "register_appeal")
    with transaction.atomic():
        appeal = _lock(appeal, user)
        if access_code_route(appeal) == "post" and not (appeal.address.strip() and appeal.postal_index.strip()):
            raise AppealError(_("Код некуда направить: в обращении нет ни адреса электронной почты для писем, "
                                "ни почтового адреса с индексом."))
        code = tokens.new_access_code()
        appeal.access_code_hash = tokens.hash_secret(code)
        appeal.save(update_fields=["access_code_hash"])
        route = access_code_route(appeal)
        record(appeal, "appeal.access_code_issued", user=user, comment=comment,
               actor_label="" if user is not None else str(_("заявитель")),
               after={"sent": _("по электронной почте") if route == "email" else _("почтовым письмом")})
        _notify_citizen(appeal, "access_code", access_code=code)
    return appeal


# --- what the admin offers ----------------------------------------------------------
@dataclass(frozen=True)
class Step:
    code: str
    permission: str
    statuses: frozenset[str]


STEPS: tuple[Step, ...] = (
    Step("register_assign", "register_appeal", frozenset({Status.RECEIVED})),
    Step("register", "register_appeal", frozenset({Status.RECEIVED})),
    Step("assign", "assign_appeal", frozenset({Status.REGISTERED, Status.IN_WORK})),
    Step("redirect", "redirect_appeal", frozenset({Status.REGISTERED, Status.IN_WORK})),
    Step("copies", "redirect_appeal", frozenset({Status.REGISTERED, Status.IN_WORK})),
    Step("return_complaint", "redirect_appeal", frozenset({Status.REGISTERED, Status.IN_WORK})),
    Step("art11", "decide_art11", frozenset({Status.REGISTERED, Status.IN_WORK})),
    Step("terminate", "terminate_correspondence", frozenset({Status.REGISTERED, Status.IN_WORK, Status.ON_APPROVAL})),
    Step("complaint_subject", "register_appeal", frozenset(OPEN)),
    Step("link", "link_appeals", frozenset(Appeal.Status.values)),
    Step("request_documents", "request_documents", frozenset({Status.IN_WORK})),
    Step("extend", "extend_term", frozenset(EXTENDABLE)),
    Step("request_extension", "draft_answer", frozenset(EXTENDABLE)),
    Step("decline_extension", "extend_term", frozenset(EXTENDABLE)),
    Step("draft_answer", "draft_answer", frozenset({Status.IN_WORK})),
    Step("submit_answer", "draft_answer", frozenset({Status.IN_WORK})),
    Step("return_answer", "sign_answer", frozenset({Status.ON_APPROVAL})),
    Step("sign_answer", "sign_answer", frozenset({Status.ON_APPROVAL})),
    Step("withdraw", "withdraw_appeal", frozenset(OPEN)),
    # Also once answered: the citizen reads the answer on the status page.
    Step("access_code", "register_appeal", frozenset(Appeal.Status.values)),
)


def available_steps(appeal: Appeal, user) -> list[str]:
    """The steps this user may take on this appeal now: the buttons the admin shows.

    The services check the same things again when a step is taken; this
    only spares officials buttons that would be refused.
    """
    if not access.can_see(user, appeal):
        return []
    steps = []
    for step in STEPS:
        if appeal.status not in step.statuses or not user.has_perm(f"appeals.{step.permission}"):
            continue
        if step.code == "extend" and appeal.extension_days:
            continue
        if step.code == "request_extension" and (
                appeal.extension_days or appeal.extension_requested_at is not None
                or (appeal.executor_id != user.pk and not access.sees_all(user))):
            continue
        if step.code == "decline_extension" and appeal.extension_requested_at is None:
            continue
        if step.code == "register_assign" and not user.has_perm("appeals.assign_appeal"):
            continue
        if step.code in {"draft_answer", "submit_answer"} and appeal.executor_id not in (None, user.pk) \
                and not access.sees_all(user):
            continue
        if step.code == "submit_answer" and not Answer.objects.filter(appeal=appeal).exists():
            continue
        if step.code == "return_complaint" and appeal.complaint_against_body_id is None:
            continue
        steps.append(step.code)
    return steps
