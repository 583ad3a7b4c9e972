"""The default mail class of the letter that carries a new access code (issue 10): simple, like the other notices."""

from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("postal", "MailClassDefault").objects.get_or_create(
        kind="access_code", defaults={"mail_class": "simple"})


def backwards(apps, schema_editor):
    apps.get_model("postal", "MailClassDefault").objects.filter(kind="access_code").delete()


class Migration(migrations.Migration):
    dependencies = [("postal", "0003_access_code_kind")]

    operations = [migrations.RunPython(forwards, backwards)]
