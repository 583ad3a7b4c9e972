"""The staff roles of DESIGN.md section 1 as groups with their permissions.

Department scoping is not a permission: an executor sees the appeals of
their departments (appeals.services.access); view_all_departments lifts it
for the registrar and the heads.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_APPEAL = [
    ("appeals", "view_appeal"),
    ("appeals", "download_attachment"),
    ("appeals", "view_department"),
    ("classifiers", "view_externalbody"),
    ("classifiers", "view_topic"),
]

ROLES = {
    "Регистратор": VIEW_APPEAL + [
        ("appeals", "view_all_departments"),
        ("appeals", "enter_appeal"),
        ("appeals", "register_appeal"),
        ("appeals", "assign_appeal"),
        ("appeals", "redirect_appeal"),
        ("appeals", "decide_art11"),
        ("appeals", "link_appeals"),
        ("appeals", "withdraw_appeal"),
        ("classifiers", "add_externalbody"),
        ("classifiers", "change_externalbody"),
    ],
    "Исполнитель": VIEW_APPEAL + [
        ("appeals", "draft_answer"),
        ("appeals", "request_documents"),
        ("appeals", "link_appeals"),
    ],
    "Руководитель": VIEW_APPEAL + [
        ("appeals", "view_all_departments"),
        ("appeals", "assign_appeal"),
        ("appeals", "sign_answer"),
        ("appeals", "extend_term"),
        ("appeals", "terminate_correspondence"),
        ("appeals", "decide_art11"),
        ("appeals", "redirect_appeal"),
    ],
    "Экспедитор": [],  # the print queue's permissions come with the letters app
    "Администратор": [
        ("auth", "view_user"), ("auth", "add_user"), ("auth", "change_user"),
        ("auth", "view_group"), ("auth", "change_group"),
        ("appeals", "view_department"), ("appeals", "add_department"), ("appeals", "change_department"),
        ("appeals", "view_accesslogentry"),
        ("classifiers", "view_topic"), ("classifiers", "add_topic"), ("classifiers", "change_topic"),
        ("classifiers", "view_institution"), ("classifiers", "change_institution"),
        ("classifiers", "view_intakenote"), ("classifiers", "add_intakenote"), ("classifiers", "change_intakenote"),
        ("classifiers", "view_externalbody"), ("classifiers", "add_externalbody"),
        ("classifiers", "change_externalbody"),
        ("classifiers", "view_calendarday"), ("classifiers", "add_calendarday"),
        ("classifiers", "change_calendarday"), ("classifiers", "delete_calendarday"),
        ("outbox", "view_outgoingmessage"),
    ],
}


def make_roles(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in codes:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0002_case_handling"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("classifiers", "0003_external_bodies_calendar"),
        ("outbox", "0001_initial"),
    ]

    operations = [migrations.RunPython(make_roles, remove_roles)]
