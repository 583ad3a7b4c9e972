from typing import Any

from django.core.management.base import BaseCommand

from reports import summary


class Command(BaseCommand):
    help = "Recount the reports' summary tables from the appeals (after a bulk load or a calendar change)."

    def handle(self, *args: Any, **options: Any) -> None:
        appeals, questions = summary.rebuild()
        self.stdout.write(f"appeal tally rows: {appeals}, question tally rows: {questions}")
