"""Managing staff accounts without handing out rights one does not hold, and the audit of rights.

Django's own UserAdmin and GroupAdmin let anyone with change_user tick
«superuser» or add any group, their own account included; these replace
them. Every rule is checked twice: in the form (a Russian error next to the
field) and again on saving, so that a crafted POST that skips the form's
choices still changes nothing.
"""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ModelForm, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import rights, second_factor
from accounts.backends import with_second_factor_facts
from accounts.forms import SignInForm
from accounts.models import AuditEntry

ROLES_BY_SUPERUSER = _(
    "Роли назначает суперпользователь (например, ответственный за информационную безопасность)."
)

# The admin's sign-in asks for the second factor's code with the password.
admin.site.login_form = SignInForm

# django-otp's device admins show each device's secret key and QR code to
# whoever may view them: an administrator could copy a head's second factor.
# Devices are managed on the users' own pages and by the action below.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    """django-axes' failed sign-ins; deleting an attempt lifts its lockout (the administrator's unlock).

    axes' «clean up expired attempts» reads the attempt time that axes puts on
    a sign-in request; an admin request has none, and the action answered 500.
    It is set here as axes sets it, and the action needs the right to delete.
    """

    @admin.action(description=_("Удалить истёкшие попытки"), permissions=["delete"])
    def cleanup_expired_attempts(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        AxesProxyHandler.update_request(request)
        super().cleanup_expired_attempts(request, queryset)


def _group_names(groups: Any) -> str:
    return ", ".join(f"«{g.name}»" for g in groups)


def _permission_names(permissions: Any) -> str:
    return ", ".join(f"«{p.name}»" for p in permissions)


def check_account_change(actor: User, target: User, cleaned: dict[str, Any]) -> None:
    """Refuse (PermissionDenied) a change of `target` that `actor` may not make; the save path's check."""
    stored = User.objects.filter(pk=target.pk).first() if target.pk else None
    if stored is not None and not rights.may_manage(actor, stored):
        raise PermissionDenied("this account holds rights the acting user does not hold")
    own = stored is not None and stored.pk == actor.pk
    for flag in ("is_superuser", "is_staff"):
        before = getattr(stored, flag) if stored is not None else False
        if getattr(target, flag) != before and (own or (flag == "is_superuser" and not actor.is_superuser)):
            raise PermissionDenied(f"{flag} may not be changed by this user")
    if "groups" in cleaned:
        before_groups = set(stored.groups.all()) if stored is not None else set()
        after_groups = set(cleaned["groups"])
        if own and before_groups != after_groups:
            raise PermissionDenied("nobody changes their own groups")
        if rights.refused_groups(actor, after_groups - before_groups):
            raise PermissionDenied("a group with rights the acting user does not hold")
    if "user_permissions" in cleaned:
        before_perms = set(stored.user_permissions.all()) if stored is not None else set()
        after_perms = set(cleaned["user_permissions"])
        if own and before_perms != after_perms:
            raise PermissionDenied("nobody changes their own permissions")
        if rights.refused_permissions(actor, after_perms - before_perms):
            raise PermissionDenied("a permission the acting user does not hold")


class AccountFormMixin:
    """Form-level checks: a Russian error next to the groups or permissions field."""

    actor: User
    instance: User
    cleaned_data: dict[str, Any]

    def clean_groups(self) -> Any:
        groups = self.cleaned_data["groups"]
        before = set(self.instance.groups.all()) if self.instance.pk else set()
        refused = rights.refused_groups(self.actor, set(groups) - before)
        if refused:
            raise ValidationError(
                _("Вы не можете назначить группы %(groups)s: в них есть права, которых у вас нет. %(who)s"),
                params={"groups": _group_names(refused), "who": ROLES_BY_SUPERUSER}, code="not_held",
            )
        return groups

    def clean_user_permissions(self) -> Any:
        permissions = self.cleaned_data["user_permissions"]
        before = set(self.instance.user_permissions.all()) if self.instance.pk else set()
        refused = rights.refused_permissions(self.actor, set(permissions) - before)
        if refused:
            raise ValidationError(
                _("Вы не можете выдать права, которых у вас нет: %(permissions)s."),
                params={"permissions": _permission_names(refused)}, code="not_held",
            )
        return permissions


admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_superuser", "second_factor")
    actions = ["remove_second_factor"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return with_second_factor_facts(super().get_queryset(request))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly.append("is_superuser")
        if obj is not None and obj.pk == request.user.pk:
            readonly += ["is_superuser", "is_staff", "groups", "user_permissions"]
        return list(dict.fromkeys(readonly))

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        # The acting user travels with the form class: clean_groups needs it.
        return type(form.__name__, (AccountFormMixin, form), {"actor": request.user})

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or rights.may_manage(request.user, obj))  # type: ignore[arg-type]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or rights.may_manage(request.user, obj))  # type: ignore[arg-type]

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        check_account_change(request.user, obj, form.cleaned_data)  # type: ignore[arg-type]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool) -> None:
        # save_model already stored the flags; the groups and permissions are
        # checked once more against the account as stored before they are set.
        check_account_change(request.user, form.instance, form.cleaned_data)  # type: ignore[arg-type]
        super().save_related(request, form, formsets, change)

    @admin.display(description=_("второй фактор"), boolean=True)
    def second_factor(self, obj: User) -> bool:
        return second_factor.has_device(obj)

    def has_remove_second_factor_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.remove_second_factor")

    @admin.action(description=_("Удалить второй фактор (сотрудник подключит его заново при входе)"),
                  permissions=["remove_second_factor"])
    def remove_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        removed = 0
        for user in queryset:
            if user.pk == request.user.pk:
                self.message_user(request, _("Свой второй фактор заменяют на странице «Второй фактор»."),
                                  messages.WARNING)
                continue
            if user.is_superuser and not request.user.is_superuser:
                self.message_user(request, _("Второй фактор суперпользователя удаляет только суперпользователь: %s.")
                                  % user.get_username(), messages.ERROR)
                continue
            with transaction.atomic():
                if second_factor.remove_devices(user):
                    removed += 1
        if removed:
            self.message_user(request, ngettext(
                "Второй фактор удалён у %(count)d сотрудника.",
                "Второй фактор удалён у %(count)d сотрудников.", removed,
            ) % {"count": removed}, messages.SUCCESS)


class GroupFormMixin:
    actor: User
    instance: Group
    cleaned_data: dict[str, Any]

    def clean_permissions(self) -> Any:
        permissions = self.cleaned_data["permissions"]
        before = set(self.instance.permissions.all()) if self.instance.pk else set()
        refused = rights.refused_permissions(self.actor, set(permissions) - before)
        if refused:
            raise ValidationError(
                _("Вы не можете добавить в группу права, которых у вас нет: %(permissions)s."),
                params={"permissions": _permission_names(refused)}, code="not_held",
            )
        return permissions


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(DjangoGroupAdmin):
    """A group is edited only by someone who holds every permission it has, and gains only theirs."""

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (GroupFormMixin, form), {"actor": request.user})

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or rights.may_edit_group(request.user, obj))  # type: ignore[arg-type]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or rights.may_edit_group(request.user, obj))  # type: ignore[arg-type]

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool) -> None:
        group = form.instance
        before = set(Permission.objects.filter(group=group)) if group.pk else set()
        added = set(form.cleaned_data.get("permissions", before)) - before
        if rights.refused_permissions(request.user, added):  # type: ignore[arg-type]
            raise PermissionDenied("a permission the acting user does not hold")
        super().save_related(request, form, formsets, change)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit of rights, read-only for everyone: nobody adds, changes or deletes an entry."""

    list_display = ("at", "actor_username", "username", "group_name", "field", "before", "after")
    list_filter = ("field",)
    search_fields = ("username", "actor_username", "group_name")
    date_hierarchy = "at"
    fields = ("at", "actor_username", "actor_id", "username", "user_id", "group_name", "group_id",
              "field", "before", "after")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
