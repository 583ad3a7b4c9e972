"""The administrator edits the causes and measures; they are retired, never deleted, once used."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Администратор"
RIGHTS = [
    ("classifiers", codename)
    for model in ("cause", "measure")
    for codename in (f"view_{model}", f"add_{model}", f"change_{model}")
]


def _permissions(apps):
    app_config = apps.get_app_config("classifiers")
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
        ("classifiers", "0006_outcome_shipped_books"),
        # The role groups.
        ("appeals", "0003_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
