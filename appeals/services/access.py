"""Which appeals a member of staff may see and act on (art. 6 of 59-FZ: no disclosure).

The registrar and the heads see every appeal (permission
appeals.view_all_departments); an executor sees the appeals of the
departments they belong to and those assigned to them personally. Every
admin list, page, file download and step goes through these functions.

Rows that hold a citizen's personal data and belong to an appeal (postal
letters, outgoing messages, the access log) follow the appeal's rule:
visible_through_appeal narrows any queryset of them by its foreign key, and
can_read_contents says whether one row's contents may be shown.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model, Q, QuerySet

from appeals.models import Appeal

User = AbstractBaseUser | AnonymousUser
RowT = TypeVar("RowT", bound=Model)


def sees_all(user) -> bool:
    return bool(user.is_active and user.has_perm("appeals.view_all_departments"))


def _is_reader(user) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm("appeals.view_appeal"))


def department_ids(user) -> frozenset[int]:
    """The departments the user belongs to, read once per user object.

    A page asks this many times (the list's scope, the appeal, its letters,
    its panels); like Django's own permission cache, the answer is kept on
    the user object, which lives for one request.
    """
    cached = getattr(user, "_appeals_department_ids", None)
    if cached is None:
        cached = frozenset(user.departments.values_list("pk", flat=True)) if user.is_authenticated else frozenset()
        user._appeals_department_ids = cached
    return cached


def appeal_condition(user, via: str = "") -> Q | None:
    """The condition on an appeal, reached through the lookup `via`, that the user may see it.

    `via` is "" for a queryset of appeals, or the foreign key of rows that
    belong to an appeal ("appeal", "answer__appeal"). None means every
    appeal; a user who sees none gets a condition no row meets.
    """
    if not _is_reader(user):
        return Q(pk__in=[])
    if sees_all(user):
        return None
    prefix = f"{via}__" if via else ""
    departments = sorted(department_ids(user))
    return Q(**{f"{prefix}department_id__in": departments}) | Q(**{f"{prefix}executor_id": user.pk})


def visible_appeals(user, queryset: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    """Narrow a queryset of appeals to those the user may see."""
    queryset = Appeal.objects.all() if queryset is None else queryset
    condition = appeal_condition(user)
    return queryset if condition is None else queryset.filter(condition)


def visible_through_appeal(user, queryset: QuerySet[RowT], via: str = "appeal") -> QuerySet[RowT]:
    """Narrow rows that belong to an appeal (through the foreign key `via`) to those of appeals the user may see.

    A row without an appeal is within no appeal's reach and is left out for
    everyone: who may read such rows is the caller's decision, not this rule's.
    """
    queryset = queryset.filter(**{f"{via}__isnull": False})
    condition = appeal_condition(user, via)
    return queryset if condition is None else queryset.filter(condition)


def can_see(user, appeal: Appeal) -> bool:
    if not _is_reader(user):
        return False
    if sees_all(user):
        return True
    if appeal.executor_id == user.pk:
        return True
    return appeal.department_id is not None and appeal.department_id in department_ids(user)


def can_read_contents(user, appeal: Appeal | None) -> bool:
    """May the user read a row's contents (an address, a letter's text) that belongs to `appeal`?

    Only if they may see the appeal. A row that belongs to no appeal (the
    confirmation code sent to a citizen before there is an appeal, a
    reminder that lists the appeals of several departments to one official)
    has no appeal to decide by: its text may carry a one-time secret or
    name appeals of any department, so only a superuser, who may see
    everything anyway, reads it.
    """
    if appeal is None:
        return bool(user.is_active and user.is_superuser)
    return can_see(user, appeal)


def works_print_queue(user) -> bool:
    """The clerks (Экспедитор) print and post every postal letter, whatever its department.

    Their right to change a postal letter (to mark it printed or sent) is
    what makes them the print queue's staff; the letter's text and address
    are what they put on paper and envelope.
    """
    return bool(user.is_active and user.is_staff and user.has_perm("letters.change_postalletter"))


def visible_postal_letters(user, queryset: QuerySet[RowT]) -> QuerySet[RowT]:
    """The clerks see every postal letter; everyone else those of the appeals they may see."""
    if works_print_queue(user):
        return queryset
    return visible_through_appeal(user, queryset)


def can_see_postal_letter(user, letter) -> bool:
    return works_print_queue(user) or can_see(user, letter.appeal)
