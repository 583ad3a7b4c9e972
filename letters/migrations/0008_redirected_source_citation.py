"""The letters cite an appeal another body sent on with that body's letter (art. 8 part 3 of 59-FZ).

Every stored text's reference to the appeal («от … г. № …») gets the
«поступившее из … (исх. № … от …)» part, which renders empty for every
other appeal: an administrator's edited text keeps its wording and only
gains the citation. Reversed, the part is taken out again. The strings are
frozen here: letters.defaults moves on, this migration must not.
"""

from __future__ import annotations

import re

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

REF = 'от {{ appeal_date|date:"j E Y" }} г. № {{ appeal.number }}'
END = "{% if appeal_source %}, поступившее {{ appeal_source }}{% endif %}"
MID = "{% if appeal_source %}, поступившее {{ appeal_source }},{% endif %}"
COMPLAINT_MID = "{% if appeal_source %}, поступившая {{ appeal_source }},{% endif %}"
_BARE = re.compile(re.escape(REF) + r"(?!\{% if appeal_source)")


def _cite(kind: str, body: str) -> str:
    def replace(match: re.Match[str]) -> str:
        after = body[match.end():match.end() + 2]
        inside = len(after) == 2 and after[0] == " " and after[1].isalpha() and after[1].islower()
        if not inside:
            return REF + END
        return REF + (COMPLAINT_MID if kind == "complaint_returned" else MID)

    return _BARE.sub(replace, body)


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    for template in LetterTemplate.objects.all():
        body = _cite(template.kind, template.body)
        if body != template.body:
            template.body = body
            template.save(update_fields=["body"])


def uncite(body: str) -> str:
    """The body without the citation: what it was before this migration."""
    for part in (END, MID, COMPLAINT_MID):
        body = body.replace(REF + part, REF)
    return body


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    for template in LetterTemplate.objects.all():
        body = uncite(template.body)
        if body != template.body:
            template.body = body
            template.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("letters", "0007_postal_mail")]

    operations = [migrations.RunPython(forwards, backwards)]
