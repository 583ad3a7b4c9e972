"""Fill the author keys and text vectors of appeals stored before the suggestions app (or after a change)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from appeals.models import Appeal
from suggestions import authors, similar
from suggestions.models import AuthorKey

FIELDS = ("pk", "last_name", "first_name", "patronymic", "email", "identification_method", "address",
          "postal_index")


class Command(BaseCommand):
    help = ("Compute the folded author keys (suggestions.AuthorKey) and, on PostgreSQL, the text vectors "
            "(suggestions.AppealText) of every appeal, in batches by primary key.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--skip-authors", action="store_true")
        parser.add_argument("--skip-texts", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        batch, last, done = options["batch"], 0, 0
        rows = Appeal.objects.order_by("pk").only(*FIELDS)
        while True:
            appeals = list(rows.filter(pk__gt=last)[:batch])
            if not appeals:
                break
            if not options["skip_authors"]:
                AuthorKey.objects.bulk_create(
                    [authors.key_for(appeal) for appeal in appeals], update_conflicts=True, unique_fields=["appeal"],
                    update_fields=["name_key", "patronymic", "surname", "first_name", "email", "address", "street"],
                )
            if not options["skip_texts"]:
                similar.index_text([appeal.pk for appeal in appeals])
            last, done = appeals[-1].pk, done + len(appeals)
            self.stdout.write(f"{done} appeals indexed")
        if connection.vendor == "postgresql" and not options["skip_texts"]:
            # The frequencies suggestions.similar weighs the words by.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE suggestions_appealtext")
        self.stdout.write(f"done: {done} appeals")
