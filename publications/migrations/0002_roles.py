"""The heads publish answers of general interest (art. 10 part 4 of 59-FZ)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Руководитель"
RIGHTS = ["view_publishedanswer", "add_publishedanswer", "change_publishedanswer", "publish_publishedanswer"]


def _permissions(apps):
    app_config = apps.get_app_config("publications")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return list(Permission.objects.filter(content_type__app_label="publications", codename__in=RIGHTS))


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
        ("publications", "0001_initial"),
        ("appeals", "0013_accounts_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
