"""The heads read the reports and write the public review; the administrator publishes it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Руководитель": [
        ("reports", "view_reports"),
        ("reports", "view_publicreview"), ("reports", "add_publicreview"), ("reports", "change_publicreview"),
    ],
    "Администратор": [
        ("reports", "view_publicreview"), ("reports", "change_publicreview"), ("reports", "publish_publicreview"),
    ],
}


def _permissions(apps, role):
    Permission = apps.get_model("auth", "Permission")
    return [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in ROLES[role]]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*_permissions(apps, role))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        group = Group.objects.filter(name=role).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, role))


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("appeals", "0003_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
