"""The heads see the citizens' marks and record what was done on the unresolved ones."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Руководитель"
RIGHTS = [("feedback", "view_satisfactionrequest"), ("feedback", "change_satisfactionrequest")]


def _permissions(apps):
    app_config = apps.get_app_config("feedback")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return [Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in RIGHTS]


def grant(apps, schema_editor):
    permissions = _permissions(apps)
    for group in apps.get_model("auth", "Group").objects.filter(name=GROUP):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    permissions = _permissions(apps)
    for group in apps.get_model("auth", "Group").objects.filter(name=GROUP):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_initial"),
        ("appeals", "0011_scoping_audit_role"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
