"""Every change of rights is written to an append-only audit, from any path (issue 8 item 2)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.urls import reverse

from accounts.models import AuditEntry
from tests import roles as role_fixtures

roles = role_fixtures.roles  # the fixture


def entries(field: str, **filters) -> list[tuple]:
    return list(AuditEntry.objects.filter(field=field, **filters).order_by("id").values_list(
        "actor_username", "username", "group_name", "before", "after"))


def test_changes_from_the_shell_are_logged_without_an_actor(roles):
    heads = Group.objects.get(name="Руководитель")
    roles.outsider.groups.add(heads)
    heads.user_set.remove(roles.outsider)  # the other side of the same relation
    assert entries("groups", username="outsider") == [
        ("", "outsider", "", [], ["Руководитель"]),
        ("", "outsider", "", ["Руководитель"], []),
    ]
    view_topic = Permission.objects.get(codename="view_topic")
    roles.outsider.user_permissions.add(view_topic)
    view_topic.user_set.clear()
    assert entries("user_permissions", username="outsider") == [
        ("", "outsider", "", [], ["classifiers.view_topic"]),
        ("", "outsider", "", ["classifiers.view_topic"], []),
    ]


def test_flags_are_logged(roles):
    roles.outsider.is_superuser = True
    roles.outsider.is_active = False
    roles.outsider.save()
    roles.outsider.first_name = "Иван"
    roles.outsider.save()  # not a right: nothing logged
    assert entries("is_superuser") == [("", "outsider", "", False, True)]
    assert entries("is_active") == [("", "outsider", "", True, False)]
    assert entries("is_staff") == []
    created = AuditEntry.objects.get(field="created", username="outsider")
    assert created.after == {"is_superuser": False, "is_staff": True, "is_active": True}


def test_department_members_are_logged_from_either_side(roles):
    start = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    roles.department_b.members.add(roles.executor_a)
    roles.executor_a.departments.remove(roles.department_a)
    roles.department_b.members.clear()
    assert entries("departments", username="executor_a", id__gt=start) == [
        ("", "executor_a", "", ["Учебное управление"], ["Управление кадров", "Учебное управление"]),
        ("", "executor_a", "", ["Управление кадров", "Учебное управление"], ["Управление кадров"]),
        ("", "executor_a", "", ["Управление кадров"], []),
    ]
    assert entries("departments", username="executor_b", id__gt=start) == [
        ("", "executor_b", "", ["Управление кадров"], []),
    ]


def test_the_departments_admin_page_logs_who_changed_the_members(client, roles):
    client.force_login(roles.administrator)
    department = roles.department_a
    url = reverse("admin:appeals_department_change", args=[department.pk])
    response = client.post(url, {"name": department.name, "short_name": department.short_name, "is_active": "on",
                                 "members": [roles.executor_a.pk, roles.outsider.pk]})
    assert response.status_code == 302
    assert entries("departments", username="outsider") == [
        ("administrator", "outsider", "", [], ["Учебное управление"]),
    ]


def test_a_groups_permissions_are_logged(client, roles):
    admins = Group.objects.get(name="Администратор")
    view_topic = Permission.objects.get(codename="view_topic")
    admins.permissions.remove(view_topic)
    view_topic.group_set.add(admins)
    logged = AuditEntry.objects.filter(field="group_permissions", group_name="Администратор").order_by("id")
    assert [("classifiers.view_topic" in e.before, "classifiers.view_topic" in e.after) for e in logged] == [
        (True, False), (False, True),
    ]


def test_entries_cannot_be_changed_or_deleted(roles):
    entry = AuditEntry.objects.filter(username="outsider").first()
    assert entry is not None
    entry.after = {"is_superuser": True}
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()


def test_postgresql_refuses_a_raw_update_or_delete(roles, require_postgres):
    from django.db import transaction
    from django.db.utils import InternalError

    entry = AuditEntry.objects.filter(username="outsider").first()
    for sql in ("UPDATE accounts_auditentry SET after = NULL WHERE id = %s",
                "DELETE FROM accounts_auditentry WHERE id = %s"):
        with pytest.raises(InternalError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])


@pytest.mark.parametrize("who", ["administrator", "superuser"])
def test_the_audit_admin_is_read_only(client, roles, who):
    user = roles.administrator if who == "administrator" else role_fixtures.make_user("root", is_superuser=True)
    roles.outsider.groups.add(Group.objects.get(name="Экспедитор"))
    entry = AuditEntry.objects.get(field="groups", username="outsider")
    client.force_login(user)
    listing = client.get(reverse("admin:accounts_auditentry_changelist"))
    assert listing.status_code == 200
    assert "Экспедитор" in listing.content.decode()
    assert client.get(reverse("admin:accounts_auditentry_add")).status_code == 403
    page = client.get(reverse("admin:accounts_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    change = reverse("admin:accounts_auditentry_change", args=[entry.pk])
    assert client.post(change, {"field": "created"}).status_code == 403
    delete = reverse("admin:accounts_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, field="groups").exists()


def test_other_roles_do_not_read_the_audit(client, roles):
    client.force_login(roles.head)
    assert client.get(reverse("admin:accounts_auditentry_changelist")).status_code == 403
