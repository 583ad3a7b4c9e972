"""The work queues officials look at: what is overdue, due soon, or waiting for a decision.

One definition serves the admin's filters, the front-page flags and the
reminder jobs. Each reads the stored due dates of open appeals, served by
the partial index appeal_open_due_idx (closed appeals are not in it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal, AppealEvent
from appeals.services import access
from appeals.services.authorship import same_author

Status = Appeal.Status

# DESIGN.md: flag appeals still unregistered 2 days after receipt (the term
# is 3) and 7-day decisions still open 5 days after registration.
UNREGISTERED_FLAG_AFTER = timedelta(days=2)
DECISION_FLAG_AFTER = timedelta(days=5)
SOON_DAYS = 3


def open_appeals(queryset: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    queryset = Appeal.objects.all() if queryset is None else queryset
    return queryset.filter(closed_at__isnull=True)


def overdue(queryset: QuerySet[Appeal] | None = None, *, today: date | None = None) -> QuerySet[Appeal]:
    """Open appeals whose nearest due date has passed."""
    today = today or timezone.localdate()
    return open_appeals(queryset).filter(next_due__lt=today)


def due_soon(queryset: QuerySet[Appeal] | None = None, *, today: date | None = None,
             days: int = SOON_DAYS) -> QuerySet[Appeal]:
    """Open appeals due today or within the next `days` days."""
    today = today or timezone.localdate()
    return open_appeals(queryset).filter(next_due__gte=today, next_due__lte=today + timedelta(days=days))


def decision_pending(queryset: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    """Registered appeals whose 7-day decision (redirect, art. 11 notice, or acceptance) is not taken."""
    return open_appeals(queryset).filter(registered_at__isnull=False, decided_at__isnull=True)


def unregistered_late(queryset: QuerySet[Appeal] | None = None, *, now: datetime | None = None) -> QuerySet[Appeal]:
    now = now or timezone.now()
    queryset = Appeal.objects.all() if queryset is None else queryset
    return queryset.filter(status=Status.RECEIVED, received_at__lt=now - UNREGISTERED_FLAG_AFTER)


def decision_late(queryset: QuerySet[Appeal] | None = None, *, now: datetime | None = None) -> QuerySet[Appeal]:
    now = now or timezone.now()
    return decision_pending(queryset).filter(registered_at__lt=now - DECISION_FLAG_AFTER)


@dataclass(frozen=True)
class AuthorFinder:
    """A finer rule for "the same author" that an app beside the core registers (suggestions, issue 12 item 1).

    `earlier_ids(appeal)` are the ids of the same person's earlier appeals,
    whoever may see them (the callers narrow them to the user's scope);
    `shown_on_page` says that the app shows that list on the appeal's page
    itself (its panel, with the reasons), so the core leaves its own out:
    one list, by one rule.
    """

    earlier_ids: Callable[[Appeal], list[int]]
    shown_on_page: bool = False


_author_finder: AuthorFinder | None = None


def register_author_finder(finder: AuthorFinder | None) -> AuthorFinder | None:
    """Use `finder` for earlier_appeals_of_author from now on (None: the core's rule); returns the one before."""
    global _author_finder
    previous, _author_finder = _author_finder, finder
    return previous


def earlier_appeals_shown_by_app() -> bool:
    """Does an app show the author's earlier appeals on the appeal's page (the core's list is then left out)?"""
    return _author_finder is not None and _author_finder.shown_on_page


def earlier_appeals_of_author(appeal: Appeal) -> QuerySet[Appeal]:
    """The same citizen's earlier appeals, by the registered AuthorFinder's rule or else the core's.

    The core's rule (without the suggestions app): authorship.same_author,
    the same full name or the same proven e-mail. Whoever picks an appeal up
    sees the person's history (repeated appeals are linked to it, art. 11
    part 5 counts them).
    """
    if _author_finder is not None:
        return Appeal.objects.filter(pk__in=_author_finder.earlier_ids(appeal))
    return Appeal.objects.filter(same_author(appeal), received_at__lt=appeal.received_at).exclude(pk=appeal.pk)


# The admin's "что требует внимания" filter: its URL values and querysets.
WORKLISTS = {
    "overdue": overdue,
    "soon": due_soon,
    "decision": decision_pending,
    "unregistered_late": unregistered_late,
    "decision_late": decision_late,
}


# How the terms were kept, as the reports count them (reports.summary computes
# the same from each appeal's dates): a step done on or before its due date's
# local calendar day is on time. The admin's «сроки» filter reads these, so a
# report's figure links to exactly the appeals behind it.
def _kept(done: str, due: str, on_time: bool) -> Q:
    compare = "lte" if on_time else "gt"
    return Q(**{f"{done}__isnull": False, f"{due}__isnull": False, f"{done}__date__{compare}": F(due)})


_ANSWERED = Q(status=Status.ANSWERED)
TIMELINESS = {
    "registered_on_time": _kept("registered_at", "registration_due", True),
    "registered_late": _kept("registered_at", "registration_due", False),
    "decided_on_time": _kept("decided_at", "decision_due", True),
    "decided_late": _kept("decided_at", "decision_due", False),
    "answered_on_time": _ANSWERED & _kept("closed_at", "answer_due", True),
    "answered_late": _ANSWERED & _kept("closed_at", "answer_due", False),
}


# --- the officials' front page: a work list for each role ------------------------------
# Each line of a work list is a count with a link to the filtered list. The
# lines are a registry: the core registers its own below, and other apps
# (postal: «возвращённые письма», feedback: «отзывы для разбора») register
# theirs from their AppConfig.ready() with register_entry(), without the core
# importing them.

REGISTRAR, EXECUTOR, HEAD, CLERK = "registrar", "executor", "head", "clerk"
ROLE_TITLES = {
    REGISTRAR: _("Регистратор"),
    EXECUTOR: _("Исполнитель"),
    HEAD: _("Руководитель"),
    CLERK: _("Экспедитор"),
}
# Counting stops here: an exact count past it would read the whole list, and
# «более 500» says as much to a person as the exact number.
COUNT_CAP = 500


def _has_role(user: Any, role: str) -> bool:
    """Roles by the rights they carry (the groups of migration 0003_roles), not by group names."""
    if not (user.is_active and user.is_staff):
        return False
    if role == REGISTRAR:
        return bool(user.has_perm("appeals.register_appeal"))
    if role == EXECUTOR:
        return bool(user.has_perm("appeals.draft_answer"))
    if role == HEAD:
        return bool(user.has_perm("appeals.sign_answer"))
    if role == CLERK:
        return access.works_print_queue(user)
    return False


@dataclass(frozen=True)
class WorkListEntry:
    """One line of a role's work list.

    `rows(user, now)` is the queryset to count, already narrowed to what the
    user may see (any model: appeals, postal letters, reviews); `url(user)`
    is the filtered list it links to. Counting reads at most COUNT_CAP + 1
    rows through the list's index, one query per line.
    """

    role: str
    key: str
    title: Any
    rows: Callable[[Any, datetime], QuerySet[Any]]
    url: Callable[[Any], str]
    order: int = 100


ENTRIES: dict[str, WorkListEntry] = {}


def register_entry(entry: WorkListEntry) -> WorkListEntry:
    """Add a line to a role's work list (or replace the line with the same key)."""
    if entry.role not in ROLE_TITLES:
        raise ValueError(f"unknown role {entry.role!r}: one of {sorted(ROLE_TITLES)}")
    ENTRIES[entry.key] = entry
    return entry


def unregister_entry(key: str) -> None:
    ENTRIES.pop(key, None)


@dataclass(frozen=True)
class WorkLine:
    key: str
    title: str
    count: int
    capped: bool
    url: str

    @property
    def shown(self) -> str:
        return gettext("более %(n)d") % {"n": COUNT_CAP} if self.capped else str(self.count)


@dataclass(frozen=True)
class WorkList:
    role: str
    title: str
    lines: list[WorkLine]


def capped_count(rows: QuerySet[Any], cap: int = COUNT_CAP) -> int:
    """COUNT(*) over at most cap + 1 rows: SELECT COUNT(*) FROM (... LIMIT cap + 1), unsorted."""
    return rows.order_by()[: cap + 1].count()


def worklists_for(user: Any, *, now: datetime | None = None) -> list[WorkList]:
    """The user's work lists, one per role they hold, each line counted once (one query a line)."""
    now = now or timezone.now()
    result: list[WorkList] = []
    # The user's departments are read once for every line, not once a line.
    user._worklist_condition = access.appeal_condition(user)
    try:
        return _worklists(user, now, result)
    finally:
        del user._worklist_condition
        user.__dict__.pop("_worklist_departments", None)


def visible(user: Any, rows: QuerySet[Appeal]) -> QuerySet[Appeal]:
    """access.visible_appeals, with the condition worklists_for read once (entries of other apps may use it)."""
    if not hasattr(user, "_worklist_condition"):
        return access.visible_appeals(user, rows)
    condition = user._worklist_condition
    return rows if condition is None else rows.filter(condition)


def _worklists(user: Any, now: datetime, result: list[WorkList]) -> list[WorkList]:
    for role, title in ROLE_TITLES.items():
        if not _has_role(user, role):
            continue
        lines = []
        for entry in sorted((e for e in ENTRIES.values() if e.role == role), key=lambda e: (e.order, e.key)):
            count = capped_count(entry.rows(user, now))
            lines.append(WorkLine(key=entry.key, title=str(entry.title), count=min(count, COUNT_CAP),
                                  capped=count > COUNT_CAP, url=entry.url(user)))
        result.append(WorkList(role=role, title=str(title), lines=lines))
    return result


# The filters the work lists link to (the admin's «что требует внимания»).
def not_registered(queryset: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    """Received, not yet registered (art. 8 part 2: within 3 days)."""
    queryset = Appeal.objects.all() if queryset is None else queryset
    # Open, said explicitly: appeal_open_due_idx and appeal_status_reg_idx hold them.
    return open_appeals(queryset).filter(status=Status.RECEIVED)


def entered_today(queryset: QuerySet[Appeal] | None = None, *, now: datetime | None = None) -> QuerySet[Appeal]:
    """Appeals the registrar entered from paper (post, in person, ПОС) today, whatever their date of receipt."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    queryset = Appeal.objects.all() if queryset is None else queryset
    # appeal_event_action_idx (migration 0013) serves (action, created_at).
    entered = AppealEvent.objects.filter(action="appeal.entered", created_at__gte=start).values("appeal_id")
    return queryset.filter(pk__in=entered)


def new_in_work(queryset: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    """Sent for consideration, no answer drafted yet."""
    return open_appeals(queryset).filter(status=Status.IN_WORK, answer__isnull=True)


def answers_returned(queryset: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    """The head returned the answer and the executor has not passed it on again.

    An answer is a draft before its first submission (no return yet) and
    after each return (until it is submitted again): a draft with a return in
    the history is one returned and not yet resubmitted.
    """
    returned = AppealEvent.objects.filter(appeal_id=OuterRef("pk"), action="answer.returned")
    return open_appeals(queryset).filter(status=Status.IN_WORK, answer__status="draft").filter(Exists(returned))


def due_this_week(queryset: QuerySet[Appeal] | None = None, *, today: date | None = None) -> QuerySet[Appeal]:
    """Open appeals due from today to the end of this week (Sunday)."""
    today = today or timezone.localdate()
    end = today + timedelta(days=6 - today.weekday())
    return open_appeals(queryset).filter(next_due__gte=today, next_due__lte=end)


def on_approval(queryset: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    """Answers passed for signature."""
    return open_appeals(queryset).filter(status=Status.ON_APPROVAL)


def extension_requested(queryset: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    """The executor asked to extend the term and the head has not decided (appeal_ext_requested_idx)."""
    return open_appeals(queryset).filter(extension_requested_at__isnull=False)


def extension_declined(queryset: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    """The head declined the executor's request, and the term was not extended nor asked again since.

    The executor learns the decision here and in the history (as a returned
    answer); the line clears once the appeal is closed, extended, or asked for again.
    """
    declined = AppealEvent.objects.filter(appeal_id=OuterRef("pk"), action="appeal.extension_declined")
    return open_appeals(queryset).filter(extension_days=0, extension_requested_at__isnull=True).filter(
        Exists(declined))


WORKLISTS.update({
    "not_registered": not_registered,
    "entered_today": entered_today,
    "new": new_in_work,
    "returned": answers_returned,
    "week": due_this_week,
    "on_approval": on_approval,
    "extension_requested": extension_requested,
    "extension_declined": extension_declined,
})


def head_departments(user: Any) -> list[int] | None:
    """The departments a head answers for: those they are a member of; None (all) for a head of none."""
    ids = getattr(user, "_worklist_departments", None)
    if ids is None:
        ids = list(user.departments.values_list("pk", flat=True))
        if hasattr(user, "_worklist_condition"):
            user._worklist_departments = ids  # read once for the front page's lines
    return ids or None


def _appeals_list(query: str) -> Callable[[Any], str]:
    def url(user: Any) -> str:
        return f"{reverse('admin:appeals_appeal_changelist')}?{query}"
    return url


def _mine(user: Any, rows: QuerySet[Appeal]) -> QuerySet[Appeal]:
    return visible(user, rows).filter(executor_id=user.pk)


def _in_my_departments(user: Any, rows: QuerySet[Appeal]) -> QuerySet[Appeal]:
    rows = visible(user, rows)
    departments = head_departments(user)
    return rows if departments is None else rows.filter(department_id__in=departments)


def _queued_letters(user: Any, now: datetime) -> QuerySet[Any]:
    from django.apps import apps as django_apps

    letter = django_apps.get_model("letters", "PostalLetter")
    # letters_postal_status_idx serves (status, created_at).
    return access.visible_postal_letters(user, letter.objects.filter(status="queued"))


def _letters_url(user: Any) -> str:
    return f"{reverse('admin:letters_postalletter_changelist')}?status__exact=queued"


for _entry in (
    WorkListEntry(REGISTRAR, "registrar_new", _("Новые: зарегистрировать"),
                  lambda user, now: visible(user, not_registered()),
                  _appeals_list("attention=not_registered"), order=10),
    WorkListEntry(REGISTRAR, "registrar_decision", _("Направить по 7-дневному решению"),
                  lambda user, now: visible(user, decision_pending()),
                  _appeals_list("attention=decision"), order=20),
    WorkListEntry(REGISTRAR, "registrar_entered_today", _("Внесены с бумаги сегодня"),
                  lambda user, now: visible(user, entered_today(now=now)),
                  _appeals_list("attention=entered_today"), order=30),
    WorkListEntry(EXECUTOR, "executor_new", _("Мои новые обращения"),
                  lambda user, now: _mine(user, new_in_work()),
                  _appeals_list("attention=new&executor=me"), order=10),
    WorkListEntry(EXECUTOR, "executor_returned", _("Ответы, возвращённые мне на доработку"),
                  lambda user, now: _mine(user, answers_returned()),
                  _appeals_list("attention=returned&executor=me"), order=20),
    WorkListEntry(EXECUTOR, "executor_extension_declined", _("В продлении срока отказано"),
                  lambda user, now: _mine(user, extension_declined()),
                  _appeals_list("attention=extension_declined&executor=me"), order=25),
    WorkListEntry(EXECUTOR, "executor_week", _("Срок на этой неделе"),
                  lambda user, now: _mine(user, due_this_week(today=timezone.localdate(now))),
                  _appeals_list("attention=week&executor=me"), order=30),
    WorkListEntry(EXECUTOR, "executor_overdue", _("Просрочены"),
                  lambda user, now: _mine(user, overdue(today=timezone.localdate(now))),
                  _appeals_list("attention=overdue&executor=me"), order=40),
    WorkListEntry(HEAD, "head_to_sign", _("Ответы на моей подписи"),
                  lambda user, now: _in_my_departments(user, on_approval()),
                  _appeals_list("attention=on_approval&department=mine"), order=10),
    WorkListEntry(HEAD, "head_overdue", _("Просрочены в моих подразделениях"),
                  lambda user, now: _in_my_departments(user, overdue(today=timezone.localdate(now))),
                  _appeals_list("attention=overdue&department=mine"), order=20),
    WorkListEntry(HEAD, "head_extension_requested", _("Продление запрошено"),
                  lambda user, now: _in_my_departments(user, extension_requested()),
                  _appeals_list("attention=extension_requested&department=mine"), order=30),
    WorkListEntry(CLERK, "clerk_to_print", _("Письма к печати"), _queued_letters, _letters_url, order=10),
):
    register_entry(_entry)
