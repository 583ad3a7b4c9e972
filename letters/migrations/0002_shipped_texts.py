"""Fill the letter templates with the shipped texts (letters/defaults.py); reversed, delete them."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from letters.defaults import SHIPPED


def fill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    for kind, (subject, body) in SHIPPED.items():
        LetterTemplate.objects.update_or_create(kind=kind, defaults={"subject": subject, "body": body})


def empty(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    LetterTemplate.objects.filter(kind__in=list(SHIPPED)).delete()


class Migration(migrations.Migration):
    dependencies = [("letters", "0001_initial")]

    operations = [migrations.RunPython(fill, empty)]
