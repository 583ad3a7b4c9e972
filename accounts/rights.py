"""Who may grant what: nobody hands out a right they do not hold.

A superuser holds every right. Anyone else may grant a permission only if
they hold it, a group only if they hold every permission of it, and may
manage only accounts whose rights are all their own (never a superuser's).
Nobody changes their own groups, permissions, superuser or staff flag.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.db.models import Q, QuerySet


def names(permissions: QuerySet[Permission]) -> set[str]:
    return {f"{app}.{code}" for app, code in permissions.values_list("content_type__app_label", "codename")}


def held_by(user: User) -> set[str]:
    """The rights the acting user holds now (through groups and directly)."""
    return set(user.get_all_permissions())


def rights_of(user: User) -> set[str]:
    """The rights an account carries, even while it is inactive (reactivating it gives them back)."""
    return names(Permission.objects.filter(Q(group__user=user) | Q(user=user)).distinct())


def refused_permissions(actor: User, permissions: Iterable[Permission]) -> list[Permission]:
    """The permissions of `permissions` that `actor` may not grant (empty: all grantable)."""
    if actor.is_superuser:
        return []
    held = held_by(actor)
    return [p for p in permissions if f"{p.content_type.app_label}.{p.codename}" not in held]


def refused_groups(actor: User, groups: Iterable[Group]) -> list[Group]:
    """The groups of `groups` that `actor` may not grant: some permission of them is not actor's."""
    if actor.is_superuser:
        return []
    held = held_by(actor)
    return [g for g in groups if not names(g.permissions.all()) <= held]


def may_manage(actor: User, target: User) -> bool:
    """May `actor` change `target`'s account (its fields, password, groups)?"""
    if actor.is_superuser:
        return True
    if target.is_superuser:
        return False
    return rights_of(target) <= held_by(actor)


def may_edit_group(actor: User, group: Group) -> bool:
    return actor.is_superuser or names(group.permissions.all()) <= held_by(actor)


def must_have_second_factor(user: User) -> bool:
    if not user.is_authenticated or not user.is_staff:
        return False
    if user.is_superuser:
        return True
    known = getattr(user, "accounts_in_required_group", None)  # set by accounts.backends on the session's user
    if known is not None:
        return bool(known)
    return user.groups.filter(name__in=settings.ACCOUNTS_SECOND_FACTOR_GROUPS).exists()
