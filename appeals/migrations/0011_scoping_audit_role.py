"""The heads, not the administrator, read the access log (152-FZ: the operator audits access).

The log says which official opened which appeal and names the files they
downloaded: the citizen's data. Its rows are scoped by the appeal's rule
(appeals.services.access.visible_through_appeal), so a reader sees the rows
of the appeals they may see. The administrator configures the portal and
sees no appeal: with the right kept they would read an empty list. The
heads see every appeal and supervise their handling; they audit the log.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RIGHT = ("appeals", "view_accesslogentry")
FROM_GROUP = "Администратор"
TO_GROUP = "Руководитель"


def _permission(apps):
    app_config = apps.get_app_config("appeals")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.get(content_type__app_label=RIGHT[0], codename=RIGHT[1])


def _move(apps, source: str, target: str) -> None:
    Group = apps.get_model("auth", "Group")
    permission = _permission(apps)
    for group in Group.objects.filter(name=source):
        group.permissions.remove(permission)
    for group in Group.objects.filter(name=target):
        group.permissions.add(permission)


def forwards(apps, schema_editor):
    _move(apps, FROM_GROUP, TO_GROUP)


def backwards(apps, schema_editor):
    _move(apps, TO_GROUP, FROM_GROUP)


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0010_scoping_log_actions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
