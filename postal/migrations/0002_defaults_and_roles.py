"""The shipped default mail class per kind of letter, and the print room's rights for the roles."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Answers and art. 11 notices registered (postal.services.REGISTERED_KINDS), the rest simple.
REGISTERED = {"answer", "art11_part1_forward", "art11_part2", "art11_part3", "art11_part4", "art11_part4_1",
              "art11_part5", "art11_part5_1", "art11_part6"}
KINDS = [
    "acknowledgement", "registered", "redirect", "redirect_body", "copies", "copies_body", "complaint_returned",
    "art11_part1_forward", "art11_part2", "art11_part3", "art11_part4", "art11_part4_1", "art11_part5",
    "art11_part5_1", "art11_part6", "extension", "documents_request", "withdrawn", "answer",
]
ROLES = {
    "Экспедитор": ["view_batch", "add_batch", "change_batch"],
    "Администратор": ["view_mailclassdefault", "change_mailclassdefault"],
}


def forwards(apps, schema_editor):
    MailClassDefault = apps.get_model("postal", "MailClassDefault")
    for kind in KINDS:
        MailClassDefault.objects.get_or_create(
            kind=kind, defaults={"mail_class": "registered" if kind in REGISTERED else "simple"})
    app_config = apps.get_app_config("postal")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*Permission.objects.filter(content_type__app_label="postal", codename__in=codes))


def backwards(apps, schema_editor):
    apps.get_model("postal", "MailClassDefault").objects.all().delete()
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*Permission.objects.filter(content_type__app_label="postal",
                                                                codename__in=codes))


class Migration(migrations.Migration):
    dependencies = [
        ("postal", "0001_initial"),
        ("appeals", "0004_letters_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
