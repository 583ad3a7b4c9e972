"""The audit of rights: an append-only record of every change of who may do what."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from appeals.models import AppendOnly


class AuditEntry(AppendOnly):
    """One change of one account's (or one group's) rights, with its value before and after.

    Users and groups are kept by id and name, not by foreign key: the record
    outlives the account, and a deletion must not rewrite it (SET_NULL would
    be an UPDATE of an append-only row).
    """

    class Field(models.TextChoices):
        CREATED = "created", _("учётная запись создана")
        GROUPS = "groups", _("группы")
        DEPARTMENTS = "departments", _("подразделения")
        USER_PERMISSIONS = "user_permissions", _("права пользователя")
        IS_SUPERUSER = "is_superuser", _("статус суперпользователя")
        IS_STAFF = "is_staff", _("статус персонала")
        IS_ACTIVE = "is_active", _("активность")
        GROUP_PERMISSIONS = "group_permissions", _("права группы")
        SECOND_FACTOR = "second_factor", _("второй фактор")

    at = models.DateTimeField(_("когда"), auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(_("id того, кто изменил"), null=True, blank=True)
    actor_username = models.CharField(
        _("кто изменил"), max_length=150, blank=True,
        help_text=_("Пусто: изменение не из веб-интерфейса (команда, консоль, миграция)."),
    )
    user_id = models.BigIntegerField(_("id учётной записи"), null=True, blank=True, db_index=True)
    username = models.CharField(_("учётная запись"), max_length=150, blank=True, db_index=True)
    group_id = models.BigIntegerField(_("id группы"), null=True, blank=True)
    group_name = models.CharField(_("группа"), max_length=150, blank=True)
    field = models.CharField(_("что изменено"), max_length=32, choices=Field.choices)
    before = models.JSONField(_("было"), null=True, blank=True)
    after = models.JSONField(_("стало"), null=True, blank=True)

    class Meta:
        verbose_name = _("запись журнала прав")
        verbose_name_plural = _("журнал прав")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        # The permission lives here because the device models are django-otp's.
        permissions = [("remove_second_factor", _("Может удалить второй фактор другого сотрудника"))]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username or '—'}: {self.username or self.group_name} {self.field}"

