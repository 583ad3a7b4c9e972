"""A new access code goes by registered mail (issue 9's doubt on 0004).

The code opens the appeal's page on the portal (the citizen's personal data and
the answer): a simple letter is left in a letter box, a registered one is handed
to the addressee against a signature, and its delivery can be proved. The row
is changed only while it still holds the value 0004 shipped.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("postal", "MailClassDefault").objects.filter(kind="access_code", mail_class="simple").update(
        mail_class="registered")


def backwards(apps, schema_editor):
    apps.get_model("postal", "MailClassDefault").objects.filter(kind="access_code", mail_class="registered").update(
        mail_class="simple")


class Migration(migrations.Migration):
    dependencies = [("postal", "0004_access_code_default")]

    operations = [migrations.RunPython(forwards, backwards)]
