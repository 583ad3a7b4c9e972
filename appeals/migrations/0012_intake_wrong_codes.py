"""Count a draft's wrong confirmation codes over its whole life (issue 8, item 5).

The old counter was reset by every new letter; the renamed one never is.
Renaming keeps the counts of drafts that are waiting now.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("appeals", "0011_scoping_audit_role")]

    operations = [
        migrations.RenameField(model_name="draft", old_name="code_attempts", new_name="wrong_codes"),
    ]
