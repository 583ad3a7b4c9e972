"""Import the topic classifier from a CSV file: manage.py import_topics FILE.csv."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from classifiers.importer import TopicImportError, import_topics, parse_topics_csv
from classifiers.models import Topic


class Command(BaseCommand):
    help = (
        "Import topics from a CSV file with the header code,title (optional columns offered, sort_order), "
        "UTF-8, separated by ',' or ';'. Creates new topics and updates titles by code; nothing is written "
        "if any line is wrong."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="CSV file")
        parser.add_argument(
            "--offer",
            action="store_true",
            help="offer on the citizen form every question whose line has no 'offered' value",
        )
        parser.add_argument(
            "--retire-missing",
            action="store_true",
            help="retire (never delete) active topics that are not in the file",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        try:
            rows = parse_topics_csv(data)
            summary = import_topics(
                Topic,
                rows,
                offer=options["offer"],
                retire_missing=options["retire_missing"],
                dry_run=options["dry_run"],
            )
        except TopicImportError as exc:
            raise CommandError(f"{path}:\n" + "\n".join(exc.errors)) from exc
        self.stdout.write(self.style.SUCCESS(str(summary)))
