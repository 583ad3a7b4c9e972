"""Managing accounts grants no right the acting user does not hold (issue 8 item 2)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from accounts import admin as accounts_admin
from accounts.models import AuditEntry
from tests import roles as role_fixtures

roles = role_fixtures.roles  # the fixture


def change_url(user: User) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def form_data(user: User, **overrides: Any) -> dict[str, Any]:
    """What the change form posts for `user` as it stands, with `overrides` (False drops a checkbox)."""
    data: dict[str, Any] = {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "is_active": "on" if user.is_active else None, "is_staff": "on" if user.is_staff else None,
        "is_superuser": "on" if user.is_superuser else None,
        "groups": [g.pk for g in user.groups.all()], "user_permissions": [p.pk for p in user.user_permissions.all()],
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"), "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "", "last_login_1": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None and value is not False}


def group(name: str) -> Group:
    return Group.objects.get(name=name)


def permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def superuser() -> User:
    return role_fixtures.make_user("security_officer", is_superuser=True)


def field_errors(response: Any, name: str) -> list[str]:
    return list(response.context["adminform"].form.errors.get(name, []))


# --- is_superuser ---------------------------------------------------------------------
def test_the_administrator_sees_superuser_read_only(client, roles):
    client.force_login(roles.administrator)
    response = client.get(change_url(roles.outsider))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "is_superuser" not in form.fields
    assert "groups" in form.fields  # the outsider's account is the administrator's to manage


def test_a_crafted_post_cannot_make_the_administrator_a_superuser(client, roles):
    client.force_login(roles.administrator)
    data = form_data(roles.administrator, is_superuser="on", first_name="Админ")
    response = client.post(change_url(roles.administrator), data)
    assert response.status_code == 302
    roles.administrator.refresh_from_db()
    assert roles.administrator.first_name == "Админ"  # the rest of the form was saved
    assert not roles.administrator.is_superuser
    assert not AuditEntry.objects.filter(field="is_superuser").exists()


def test_a_crafted_post_cannot_make_another_user_a_superuser(client, roles):
    client.force_login(roles.administrator)
    response = client.post(change_url(roles.outsider), form_data(roles.outsider, is_superuser="on"))
    assert response.status_code == 302
    roles.outsider.refresh_from_db()
    assert not roles.outsider.is_superuser


def test_a_superuser_makes_a_superuser_and_it_is_logged(client, roles):
    officer = superuser()
    client.force_login(officer)
    response = client.post(change_url(roles.outsider), form_data(roles.outsider, is_superuser="on"))
    assert response.status_code == 302
    roles.outsider.refresh_from_db()
    assert roles.outsider.is_superuser
    entry = AuditEntry.objects.get(field="is_superuser", username="outsider")
    assert (entry.actor_username, entry.before, entry.after) == ("security_officer", False, True)


# --- groups and permissions ----------------------------------------------------------------
def test_the_administrator_cannot_add_a_group_with_rights_they_do_not_hold(client, roles):
    client.force_login(roles.administrator)
    data = form_data(roles.outsider, groups=[group("Руководитель").pk])
    response = client.post(change_url(roles.outsider), data)
    assert response.status_code == 200
    errors = field_errors(response, "groups")
    assert errors and "Вы не можете назначить группы «Руководитель»" in errors[0], errors
    assert "суперпользователь" in errors[0]
    assert not roles.outsider.groups.exists()
    assert not AuditEntry.objects.filter(field="groups", username="outsider").exists()


def test_the_administrator_cannot_grant_a_permission_they_do_not_hold(client, roles):
    client.force_login(roles.administrator)
    data = form_data(roles.outsider, user_permissions=[permission("appeals", "view_all_departments").pk])
    response = client.post(change_url(roles.outsider), data)
    assert response.status_code == 200
    errors = field_errors(response, "user_permissions")
    assert errors and "Вы не можете выдать права, которых у вас нет" in errors[0], errors
    assert not roles.outsider.user_permissions.exists()


def test_a_group_whose_rights_the_administrator_holds_is_granted_and_logged(client, roles):
    catalogue = Group.objects.create(name="Справочники")
    catalogue.permissions.add(permission("classifiers", "view_topic"), permission("classifiers", "change_topic"))
    client.force_login(roles.administrator)
    response = client.post(change_url(roles.outsider), form_data(roles.outsider, groups=[catalogue.pk]))
    assert response.status_code == 302
    assert list(roles.outsider.groups.values_list("name", flat=True)) == ["Справочники"]
    entry = AuditEntry.objects.get(field="groups", username="outsider")
    assert (entry.actor_username, entry.before, entry.after) == ("administrator", [], ["Справочники"])


def test_the_save_path_refuses_what_the_form_check_missed(client, roles, monkeypatch):
    """Even with the form's check gone (a bug, a new form), saving refuses the group."""
    monkeypatch.setattr(accounts_admin.AccountFormMixin, "clean_groups", lambda self: self.cleaned_data["groups"])
    client.force_login(roles.administrator)
    response = client.post(change_url(roles.outsider), form_data(roles.outsider, groups=[group("Регистратор").pk]))
    assert response.status_code == 403
    assert not roles.outsider.groups.exists()
    assert not AuditEntry.objects.filter(field="groups", username="outsider").exists()


def test_nobody_changes_their_own_groups_or_staff_flag(client, roles):
    officer = superuser()
    client.force_login(officer)
    form = client.get(change_url(officer)).context["adminform"].form
    assert not {"groups", "user_permissions", "is_superuser", "is_staff"} & set(form.fields)
    data = form_data(officer, groups=[group("Руководитель").pk], is_staff=False, is_superuser=False)
    assert client.post(change_url(officer), data).status_code == 302
    officer.refresh_from_db()
    assert officer.is_superuser and officer.is_staff and not officer.groups.exists()

    client.force_login(roles.administrator)
    data = form_data(roles.administrator, groups=[], user_permissions=[permission("classifiers", "view_topic").pk])
    assert client.post(change_url(roles.administrator), data).status_code == 302
    assert list(roles.administrator.groups.values_list("name", flat=True)) == ["Администратор"]
    assert not roles.administrator.user_permissions.exists()


def test_the_save_path_refuses_a_change_of_ones_own_groups(roles):
    from django.core.exceptions import PermissionDenied

    officer = superuser()
    with pytest.raises(PermissionDenied):
        accounts_admin.check_account_change(officer, officer, {"groups": [group("Регистратор")]})
    with pytest.raises(PermissionDenied):
        officer.is_staff = False
        accounts_admin.check_account_change(officer, officer, {})


# --- whose account ---------------------------------------------------------------------------
@pytest.mark.parametrize("whose", ["head", "registrar", "executor_a", "superuser"])
def test_the_administrator_cannot_edit_an_account_with_more_rights(client, roles, whose):
    target = superuser() if whose == "superuser" else getattr(roles, whose)
    client.force_login(roles.administrator)
    page = client.get(change_url(target))
    assert page.status_code == 200  # viewing is allowed
    assert not page.context["has_change_permission"]
    before = User.objects.filter(pk=target.pk).values().get()
    response = client.post(change_url(target), form_data(target, first_name="Взлом", is_active=False))
    assert response.status_code == 403
    assert User.objects.filter(pk=target.pk).values().get() == before
    password_url = reverse("admin:auth_user_password_change", args=[target.pk])
    assert client.get(password_url).status_code == 403
    assert client.post(password_url, {"password1": "Nov1y-parol-dlya-vzloma", "password2": "Nov1y-parol-dlya-vzloma",
                                      "usable_password": "true"}).status_code == 403


def test_a_superuser_assigns_roles(client, roles):
    client.force_login(superuser())
    response = client.post(change_url(roles.outsider), form_data(roles.outsider, groups=[group("Регистратор").pk]))
    assert response.status_code == 302
    assert roles.outsider.groups.filter(name="Регистратор").exists()


# --- groups' own permissions ------------------------------------------------------------------
def test_the_administrator_cannot_give_their_group_a_right_they_do_not_hold(client, roles):
    admins = group("Администратор")
    client.force_login(roles.administrator)
    url = reverse("admin:auth_group_change", args=[admins.pk])
    perms = [p.pk for p in admins.permissions.all()] + [permission("appeals", "view_appeal").pk]
    response = client.post(url, {"name": admins.name, "permissions": perms})
    assert response.status_code == 200
    errors = list(response.context["adminform"].form.errors.get("permissions", []))
    assert errors and "права, которых у вас нет" in errors[0], errors
    assert not admins.permissions.filter(codename="view_appeal").exists()


def test_the_administrator_cannot_edit_a_group_with_rights_they_do_not_hold(client, roles):
    heads = group("Руководитель")
    client.force_login(roles.administrator)
    url = reverse("admin:auth_group_change", args=[heads.pk])
    response = client.post(url, {"name": heads.name, "permissions": []})
    assert response.status_code == 403
    assert heads.permissions.exists()
