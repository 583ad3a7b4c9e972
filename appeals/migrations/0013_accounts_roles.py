"""The administrator unlocks locked-out sign-ins, removes a lost second factor and reads the audit of rights.

Reversible: the reverse takes exactly these permissions away again.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Администратор": [
        ("axes", "view_accessattempt"),
        ("axes", "delete_accessattempt"),
        ("axes", "view_accesslog"),
        ("accounts", "view_auditentry"),
        ("accounts", "remove_second_factor"),
    ],
}


def _permissions(apps, codes):
    Permission = apps.get_model("auth", "Permission")
    for app_label, codename in codes:
        yield Permission.objects.get(content_type__app_label=app_label, codename=codename)


def grant(apps, schema_editor):
    for label in ("axes", "accounts"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for name, codes in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.add(*_permissions(apps, codes))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in GRANTS.items():
        for group in Group.objects.filter(name=name):
            for app_label, codename in codes:
                group.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label,
                                                                    codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0012_intake_wrong_codes"),
        ("accounts", "0001_initial"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
