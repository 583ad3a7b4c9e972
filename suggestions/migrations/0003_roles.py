"""Who sees the suggestions' decisions and their accuracy, and who edits the art. 11 word list."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = [("suggestions", "view_proposal")]
ROLES = {
    "Регистратор": VIEW,
    "Руководитель": VIEW,
    "Исполнитель": VIEW,
    "Администратор": VIEW + [("suggestions", f"{action}_screeningword")
                             for action in ("view", "add", "change", "delete")],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("suggestions")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
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
        ("suggestions", "0002_screening_words"),
        ("appeals", "0013_accounts_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
