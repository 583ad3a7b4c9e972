"""Reminders of due dates to the officials, and the heads' daily digest of overdue appeals.

Both jobs run several times a day (appeals.tasks.send_reminders) and are
idempotent:
- a reminder is claimed by inserting its Reminder row (unique on appeal,
  kind, due date and recipient) in the transaction that queues its e-mail,
  so a rerun, or a second worker running the same job at the same time,
  finds the row and sends nothing; a new due date (an extension) is a new
  row and a new reminder;
- a digest is claimed by the outbox message itself (see send_overdue_digest).

Memory stays flat in the number of appeals: open appeals are read by primary
key in batches, only the columns needed, through the partial index
appeal_open_due_idx (closed_at IS NULL, next_due). The time follows the
batches, not the letters: a batch is a few queries (its appeals under lock,
the reminders already sent, one insert of the claims, one of the letters),
and each letter is rendered where it is delivered, by the outbox's task.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal, Department, Reminder
from appeals.services import worklists
from classifiers.models import Institution
from outbox.models import OutgoingMessage
from outbox.services import DeferredEmail, queue_deferred_emails, queue_rendered_email, render_email

logger = logging.getLogger(__name__)

BATCH = 500
# A missed date is reported by the first run after it passed, once. Runs that
# failed for days catch up this far back and no further: on the first deploy
# (or after a long outage) the old overdue appeals are the heads' digest's
# business, not a flood of letters to the executors.
MISSED_CATCH_UP_DAYS = 7
DIGEST_LIMIT = 200
DIGEST_KIND = "staff.overdue_digest"
REMINDER_KINDS: dict[str, str] = {
    Reminder.Kind.BEFORE: "staff.reminder_due", Reminder.Kind.MISSED: "staff.reminder_missed",
}
TEMPLATES: dict[str, str] = {
    Reminder.Kind.BEFORE: "emails/reminder_due", Reminder.Kind.MISSED: "emails/reminder_missed",
}

# What the appeal waits for at its next due date (appeals.services.terms.next_due).
TERM_TITLES = {
    "registration": _("регистрация обращения (часть 2 статьи 8 Федерального закона № 59-ФЗ)"),
    "decision": _(
        "решение по 7-дневному сроку: переадресация по компетенции (части 3 и 4 статьи 8) или уведомление "
        "заявителя по частям 2, 4, 4.1 или 5.1 статьи 11 Федерального закона № 59-ФЗ"
    ),
    "answer": _("ответ по существу (статья 12 Федерального закона № 59-ФЗ)"),
}

APPEAL_FIELDS = (
    "pk", "number", "received_at", "registered_at", "decided_at", "closed_at",
    "registration_due", "decision_due", "answer_due", "next_due", "department", "executor",
)
USER_FIELDS = ("pk", "username", "first_name", "last_name", "email", "is_active", "is_staff")


def admin_url(appeal_id: int) -> str:
    return settings.PORTAL_BASE_URL + reverse("admin:appeals_appeal_change", args=[appeal_id])


def staff_with_perms(*perms: str) -> QuerySet[User]:
    """Active staff granted every one of the permissions, through a group or directly.

    Superusers are not included for being superusers: the technical
    administrator has every permission but is nobody's registrar or head,
    and would otherwise get every reminder.
    """
    users = User.objects.filter(is_active=True, is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        granted = User.objects.filter(
            Q(groups__permissions__in=permission) | Q(user_permissions__in=permission)
        )
        users = users.filter(pk__in=granted.values("pk"))
    return users.only(*USER_FIELDS).order_by("pk")


def display_name(user: User | None) -> str:
    if user is None:
        return ""
    return " ".join(part for part in (user.last_name, user.first_name) if part) or user.get_username()


def due_term(appeal: Appeal) -> str:
    """Which term the appeal's next due date is: registration, the 7-day decision, or the answer."""
    if appeal.registered_at is None:
        return "registration"
    if appeal.decided_at is None and appeal.next_due == appeal.decision_due:
        return "decision"
    return "answer"


def _has_address(user: User, appeal: Appeal) -> bool:
    if user.email:
        return True
    logger.warning("reminder skipped: no e-mail address user=%s appeal=%s", user.pk, appeal.number)
    return False


class Recipients:
    """Who is reminded of an appeal; roles and departments are read once per run (they are few).

    - the executor, if the appeal has one who is still active staff;
    - otherwise the members of the appeal's department who draft answers;
    - an appeal in no department (not yet assigned): the registrars, whose
      terms (registration, the 7-day decision) it is waiting for.
    """

    def __init__(self) -> None:
        self.registrars = list(staff_with_perms("appeals.register_appeal"))
        drafters = {user.pk: user for user in staff_with_perms("appeals.draft_answer")}
        self.members: dict[int, list[User]] = defaultdict(list)
        memberships = Department.members.through.objects.filter(user_id__in=list(drafters))
        for department_id, user_id in memberships.values_list("department_id", "user_id").order_by("user_id"):
            self.members[department_id].append(drafters[user_id])
        self.departments = {department.pk: department for department in Department.objects.only("name", "short_name")}
        self._executors: dict[int, User] = {}

    def load_executors(self, appeals: Iterable[Appeal]) -> None:
        missing = {appeal.executor_id for appeal in appeals if appeal.executor_id} - set(self._executors)
        if missing:
            users = User.objects.filter(pk__in=missing).only(*USER_FIELDS)
            self._executors.update({user.pk: user for user in users})

    def executor(self, appeal: Appeal) -> User | None:
        return self._executors.get(appeal.executor_id) if appeal.executor_id else None

    def for_appeal(self, appeal: Appeal) -> list[User]:
        executor = self.executor(appeal)
        if executor is not None and executor.is_active and executor.is_staff:
            return [executor]
        if appeal.department_id is not None:
            members = self.members.get(appeal.department_id, [])
            if not members:
                logger.warning("reminder skipped: nobody drafts answers in department=%s appeal=%s",
                               appeal.department_id, appeal.number)
            return members
        return self.registrars


REGISTRATION_REMINDER_DAYS = 1


def send_due_reminders(today: date | None = None) -> int:
    """Remind the officials of due dates; return how many e-mails were queued.

    1. APPEALS_REMINDER_DAYS before the appeal's next due date: "the term ends on ...".
    2. The first run after the date passed (next_due < today): "the term was missed", once per date.
    """
    today = today or timezone.localdate()
    recipients = Recipients()
    context = {"institution": Institution.get_current(), "portal_url": settings.PORTAL_BASE_URL}
    before = today + timedelta(days=settings.APPEALS_REMINDER_DAYS)
    # The registration term is itself 3 days: reminding 3 days before it
    # would write to the registrars about every appeal the day it arrives.
    registration_before = today + timedelta(days=REGISTRATION_REMINDER_DAYS)
    upcoming = Q(next_due=before, registered_at__isnull=False) | Q(
        next_due=registration_before, registered_at__isnull=True
    )
    sent = _remind(Reminder.Kind.BEFORE, upcoming, recipients, today, context)
    missed = Q(next_due__lt=today, next_due__gte=today - timedelta(days=MISSED_CATCH_UP_DAYS))
    sent += _remind(Reminder.Kind.MISSED, missed, recipients, today, context)
    logger.info("reminders queued=%s today=%s", sent, today)
    return sent


def _remind(kind: str, due: Q, recipients: Recipients, today: date, context: dict[str, Any]) -> int:
    sent = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            # The batch is read under lock (closed_at IS NULL plus a condition
            # on next_due: appeal_open_due_idx). A second run at the same time
            # waits here for this one's claims; an appeal closed or given
            # another due date meanwhile no longer matches when its lock is
            # granted (PostgreSQL checks the condition again) and is skipped.
            batch = list(
                worklists.open_appeals().filter(due, pk__gt=last_pk).order_by("pk").only(*APPEAL_FIELDS)
                .select_for_update()[:BATCH]
            )
            if not batch:
                return sent
            last_pk = batch[-1].pk
            sent += _queue_batch(kind, batch, recipients, today, context)


def _queue_batch(
    kind: str, batch: list[Appeal], recipients: Recipients, today: date, context: dict[str, Any]
) -> int:
    """Claim and queue the batch's letters not sent yet: a few queries per batch, whatever its letters.

    Called under the batch's locks: what is not claimed yet is claimed here,
    in one insert (the unique constraint stays the last guard), and the
    letters go into the outbox in the same transaction, to be rendered by
    the delivery task (outbox.services.queue_deferred_emails).
    """
    recipients.load_executors(batch)
    done = set(
        Reminder.objects.filter(kind=kind, appeal_id__in=[appeal.pk for appeal in batch]).values_list(
            "appeal_id", "due", "recipient_id"
        )
    )
    claims: list[Reminder] = []
    letters: list[DeferredEmail] = []
    for appeal in batch:
        users = [
            user for user in recipients.for_appeal(appeal)
            if (appeal.pk, appeal.next_due, user.pk) not in done and _has_address(user, appeal)
        ]
        if not users or appeal.next_due is None:
            continue
        due = appeal.next_due
        appeal_context = {
            **context,
            "appeal": appeal,
            "term": TERM_TITLES[due_term(appeal)],
            "due": due,
            "days_left": (due - today).days,
            "days_overdue": (today - due).days,
            "department": recipients.departments.get(appeal.department_id) if appeal.department_id else None,
            "executor": display_name(recipients.executor(appeal)),
            "admin_url": admin_url(appeal.pk),
        }
        for user in users:
            claims.append(Reminder(appeal=appeal, kind=kind, due=due, recipient=user))
            letters.append(DeferredEmail(
                kind=REMINDER_KINDS[kind], to=user.email, template=TEMPLATES[kind], appeal=appeal,
                context={**appeal_context, "recipient": user, "recipient_name": display_name(user)},
            ))
    Reminder.objects.bulk_create(claims)
    queue_deferred_emails(letters)
    return len(letters)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def overdue_digest_rows(today: date) -> tuple[int, list[dict[str, Any]]]:
    """The number of overdue open appeals and the first DIGEST_LIMIT of them, the longest overdue first."""
    overdue = worklists.overdue(today=today)
    total = overdue.count()
    if not total:
        return 0, []
    # Ordered as appeal_open_due_idx (next_due, received_at): the LIMIT stops the index scan early.
    values = overdue.order_by("next_due", "received_at").values(
        "pk", "number", "next_due", "department__name", "department__short_name",
        "executor__username", "executor__first_name", "executor__last_name",
    )[:DIGEST_LIMIT]
    rows = []
    for row in values:
        due = cast(date, row["next_due"])  # overdue() filters next_due < today: never null
        executor = " ".join(
            part for part in (row["executor__last_name"], row["executor__first_name"]) if part
        ) or (row["executor__username"] or "")
        rows.append({
            "number": row["number"],
            "department": row["department__short_name"] or row["department__name"] or "",
            "executor": executor,
            "due": due,
            "days_overdue": (today - due).days,
            "admin_url": admin_url(row["pk"]),
        })
    return total, rows


def send_overdue_digest(today: date | None = None) -> int:
    """Send each head one e-mail a day listing the overdue open appeals; return how many were queued.

    Nothing is sent when nothing is overdue.
    """
    today = today or timezone.localdate()
    total, rows = overdue_digest_rows(today)
    if not total:
        return 0
    heads = list(staff_with_perms("appeals.view_all_departments", "appeals.sign_answer"))
    if not heads:
        return 0
    rendered = render_email("emails/overdue_digest", {
        "today": today,
        "total": total,
        "rows": rows,
        "more": total - len(rows),
        "list_url": settings.PORTAL_BASE_URL + reverse("admin:appeals_appeal_changelist") + "?attention=overdue",
        "institution": Institution.get_current(),
        "portal_url": settings.PORTAL_BASE_URL,
    })
    start, end = _day_bounds(today)
    sent = 0
    for head in heads:
        if not head.email:
            logger.warning("overdue digest skipped: no e-mail address user=%s", head.pk)
            continue
        # The claim is the outbox row itself: "a digest to this address was
        # queued today". It is durable (the cache is not: a restart or an
        # eviction would send a second digest) and needs no model of its
        # own. Checking and inserting are made atomic by locking the head's
        # user row: a concurrent run waits on the lock, then sees the row.
        # (The digest is tied to no appeal, so a Reminder row cannot hold it.)
        with transaction.atomic():
            list(User.objects.select_for_update().filter(pk=head.pk).values_list("pk"))
            already = OutgoingMessage.objects.filter(
                kind=DIGEST_KIND, to=head.email, created_at__gte=start, created_at__lt=end
            ).exists()
            if already:
                continue
            queue_rendered_email(
                kind=DIGEST_KIND, to=head.email, subject=rendered.subject, text=rendered.text, html=rendered.html
            )
            sent += 1
    logger.info("overdue digest queued=%s overdue=%s today=%s", sent, total, today)
    return sent
