"""Which appeals a member of staff may see and act on (art. 6 of 59-FZ: no disclosure).

The registrar and the heads see every appeal (permission
appeals.view_all_departments); an executor sees the appeals of the
departments they belong to and those assigned to them personally. Every
admin list, page, file download and step goes through these two functions.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from appeals.models import Appeal

User = AbstractBaseUser | AnonymousUser


def sees_all(user) -> bool:
    return bool(user.is_active and user.has_perm("appeals.view_all_departments"))


def visible_appeals(user, queryset: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    """Narrow a queryset of appeals to those the user may see."""
    queryset = Appeal.objects.all() if queryset is None else queryset
    if not (user.is_active and user.is_staff and user.has_perm("appeals.view_appeal")):
        return queryset.none()
    if sees_all(user):
        return queryset
    department_ids = list(user.departments.values_list("pk", flat=True))
    return queryset.filter(Q(department_id__in=department_ids) | Q(executor_id=user.pk))


def can_see(user, appeal: Appeal) -> bool:
    if not (user.is_active and user.is_staff and user.has_perm("appeals.view_appeal")):
        return False
    if sees_all(user):
        return True
    if appeal.executor_id == user.pk:
        return True
    return appeal.department_id is not None and user.departments.filter(pk=appeal.department_id).exists()
