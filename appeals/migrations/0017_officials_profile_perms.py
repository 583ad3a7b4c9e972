"""The administrator edits the staff records (appeals.StaffProfile, migration 0014)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = ("view_staffprofile", "add_staffprofile", "change_staffprofile")


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Администратор").first()
    if group is not None:
        group.permissions.add(*Permission.objects.filter(content_type__app_label="appeals", codename__in=PERMISSIONS))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Администратор").first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="appeals",
                                                            codename__in=PERMISSIONS))


class Migration(migrations.Migration):

    dependencies = [
        ("appeals", "0016_officials_staff_profile"),
    ]

    operations = [
        migrations.RunPython(grant, revoke),
    ]
