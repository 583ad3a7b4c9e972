"""The administrator's new permissions come from a reversible data migration."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.contrib.auth.models import Group

migration = importlib.import_module("appeals.migrations.0013_accounts_roles")

GRANTED = {"axes.view_accessattempt", "axes.delete_accessattempt", "axes.view_accesslog",
           "accounts.view_auditentry", "accounts.remove_second_factor"}


def administrators_permissions() -> set[str]:
    group = Group.objects.get(name="Администратор")
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_the_migration_grants_and_its_reverse_revokes(db):
    before = administrators_permissions()
    assert GRANTED <= before
    migration.revoke(apps, None)
    assert administrators_permissions() == before - GRANTED
    migration.grant(apps, None)
    assert administrators_permissions() == before


def test_no_other_role_gets_them(db):
    for name in ("Регистратор", "Исполнитель", "Руководитель", "Экспедитор"):
        group = Group.objects.get(name=name)
        assert not group.permissions.filter(content_type__app_label__in=["axes", "accounts"]).exists(), name
