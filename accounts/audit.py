"""The audit of rights, written from model signals so that every path is caught.

The admin, another admin page (departments' members), the shell and a
management command all change rights through the ORM; the receivers below
write an AuditEntry for each change of a user's groups, departments, user
permissions and flags, and of a group's permissions. A raw SQL statement is
not seen: that is a database administrator's act, outside the portal.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver

from accounts.current import actor
from accounts.models import AuditEntry
from appeals.models import Department

FLAGS = ("is_superuser", "is_staff", "is_active")


def permission_names(permissions: Any) -> list[str]:
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions.select_related("content_type"))


def record(field: str, before: Any, after: Any, *, user: User | None = None, group: Group | None = None) -> None:
    who = actor()
    AuditEntry.objects.create(
        actor_id=who.pk if who else None, actor_username=who.get_username() if who else "",
        user_id=user.pk if user else None, username=user.get_username() if user else "",
        group_id=group.pk if group else None, group_name=group.name if group else "",
        field=field, before=before, after=after,
    )


# --- flags --------------------------------------------------------------------
@receiver(pre_save, sender=User, dispatch_uid="accounts_user_flags_before")
def remember_flags(sender: type[User], instance: User, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        instance._accounts_flags_before = None  # type: ignore[attr-defined]
        return
    instance._accounts_flags_before = (  # type: ignore[attr-defined]
        User.objects.filter(pk=instance.pk).values(*FLAGS).first()
    )


@receiver(post_save, sender=User, dispatch_uid="accounts_user_flags_after")
def record_flags(sender: type[User], instance: User, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    before = getattr(instance, "_accounts_flags_before", None)
    after = {flag: getattr(instance, flag) for flag in FLAGS}
    if created or before is None:
        record(AuditEntry.Field.CREATED, None, after, user=instance)
        return
    for flag in FLAGS:
        if before[flag] != after[flag]:
            record(flag, before[flag], after[flag], user=instance)


# --- many-to-many: the value of each affected user before and after ---------
def _users(instance: Model, reverse: bool, model: type[Model], pk_set: set[int] | None,
           through_field: str) -> list[User]:
    """The users whose value changes: the instance itself, or those named by pk_set (or all, on clear)."""
    if isinstance(instance, User):  # user.groups, user.user_permissions, user.departments
        return [instance]
    if pk_set is None:  # clear() from the other side: every current member
        return list(getattr(instance, through_field).all())
    return list(User.objects.filter(pk__in=pk_set))


def _m2m_receiver(field: str, value_of: Any, through_field: str) -> Any:
    def receiver_(sender: Any, instance: Model, action: str, reverse: bool, model: type[Model],
                  pk_set: set[int] | None, **kwargs: Any) -> None:
        if action.startswith("pre_"):
            users = _users(instance, reverse, model, pk_set, through_field)
            instance.__dict__.setdefault("_accounts_m2m_before", {})[field] = [
                (user, value_of(user)) for user in users
            ]
            return
        pending = instance.__dict__.get("_accounts_m2m_before", {}).pop(field, [])
        for user, before in pending:
            after = value_of(user)
            if before != after:
                record(field, before, after, user=user)

    return receiver_


def _groups_of(user: User) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def _permissions_of(user: User) -> list[str]:
    return permission_names(user.user_permissions.all())


def _departments_of(user: User) -> list[str]:
    return sorted(Department.objects.filter(members=user).values_list("name", flat=True))


record_groups = _m2m_receiver(AuditEntry.Field.GROUPS, _groups_of, "user_set")
record_user_permissions = _m2m_receiver(AuditEntry.Field.USER_PERMISSIONS, _permissions_of, "user_set")
record_departments = _m2m_receiver(AuditEntry.Field.DEPARTMENTS, _departments_of, "members")
m2m_changed.connect(record_groups, sender=User.groups.through, dispatch_uid="accounts_user_groups")
m2m_changed.connect(record_user_permissions, sender=User.user_permissions.through,
                    dispatch_uid="accounts_user_permissions")
m2m_changed.connect(record_departments, sender=Department.members.through, dispatch_uid="accounts_departments")


# --- a group's permissions ----------------------------------------------------------
@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="accounts_group_permissions")
def record_group_permissions(sender: Any, instance: Model, action: str, reverse: bool, model: type[Model],
                             pk_set: set[int] | None, **kwargs: Any) -> None:
    if isinstance(instance, Permission):  # permission.group_set.add(...): the groups named by pk_set
        groups = list(Group.objects.filter(pk__in=pk_set)) if pk_set is not None else list(instance.group_set.all())
    else:
        groups = [instance]  # type: ignore[list-item]
    if action.startswith("pre_"):
        instance.__dict__["_accounts_group_before"] = [
            (group, permission_names(group.permissions.all())) for group in groups
        ]
        return
    for group, before in instance.__dict__.pop("_accounts_group_before", []):
        after = permission_names(group.permissions.all())
        if before != after:
            record(AuditEntry.Field.GROUP_PERMISSIONS, before, after, group=group)
