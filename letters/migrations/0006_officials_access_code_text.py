"""The shipped text of the new letter kind «access_code» (migration 0005_officials_access_code)."""

from django.db import migrations

NEW_KINDS = ("access_code",)


def fill_new_kinds(apps, schema_editor):
    # The text as shipped today; a kind an installation has already is left as its administrator made it.
    from letters.defaults import SHIPPED

    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    for kind in NEW_KINDS:
        subject, body = SHIPPED[kind]
        LetterTemplate.objects.get_or_create(kind=kind, defaults={"subject": subject, "body": body})


def remove_new_kinds(apps, schema_editor):
    apps.get_model("letters", "LetterTemplate").objects.filter(kind__in=NEW_KINDS).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("letters", "0005_officials_access_code"),
    ]

    operations = [
        migrations.RunPython(fill_new_kinds, remove_new_kinds),
    ]
