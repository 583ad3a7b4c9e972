"""The clerk prints the postal letters; the administrator edits the letters' texts."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Экспедитор": [("letters", "view_postalletter"), ("letters", "change_postalletter")],
    "Администратор": [("letters", "view_lettertemplate"), ("letters", "change_lettertemplate")],
    "Регистратор": [("letters", "view_postalletter")],
    "Руководитель": [("letters", "view_postalletter")],
    "Исполнитель": [("letters", "view_postalletter")],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("letters")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group = Group.objects.get(name=name)
        for app_label, codename in codes:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        for group in Group.objects.filter(name=name):
            for app_label, codename in codes:
                group.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label,
                                                                    codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0003_roles"),
        ("letters", "0002_shipped_texts"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
