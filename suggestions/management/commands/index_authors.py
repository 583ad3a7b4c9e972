"""Fill the author keys of appeals stored before the suggestions app (or after a change of the normalisation)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from appeals.models import Appeal
from suggestions import authors
from suggestions.models import AuthorKey

FIELDS = ("pk", "last_name", "first_name", "patronymic", "email", "identification_method", "address",
          "postal_index")


class Command(BaseCommand):
    help = "Compute the folded author keys (suggestions.AuthorKey) of every appeal, in batches by primary key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--all", action="store_true", help="recompute the keys that exist too")

    def handle(self, *args: Any, **options: Any) -> None:
        batch, last, done = options["batch"], 0, 0
        rows = Appeal.objects.order_by("pk").only(*FIELDS)
        if not options["all"]:
            rows = rows.filter(author_key__isnull=True)
        while True:
            appeals = list(rows.filter(pk__gt=last)[:batch])
            if not appeals:
                break
            keys = [authors.key_for(appeal) for appeal in appeals]
            AuthorKey.objects.bulk_create(
                keys, update_conflicts=True, unique_fields=["appeal"],
                update_fields=["name_key", "patronymic", "surname", "first_name", "email", "address", "street"],
            )
            last, done = appeals[-1].pk, done + len(appeals)
            self.stdout.write(f"{done} appeals indexed", ending="\r")
        self.stdout.write(f"{done} appeals indexed")
