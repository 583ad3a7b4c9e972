"""Train the topic model by hand: `manage.py train_topic_model` (the beat task does it nightly)."""

from __future__ import annotations

import json
import resource
import time
from typing import Any

from django.core.management.base import BaseCommand

from suggestions.topics import store
from suggestions.topics.service import retrain


class Command(BaseCommand):
    help = "Train the topic suggestion model on the registered appeals and make it current."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--status", action="store_true", help="only show the current version and stored ones")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["status"]:
            started = time.monotonic()
            version = retrain()
            elapsed = time.monotonic() - started
            # ru_maxrss is in kilobytes on Linux.
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            outcome = f"version {version} is current" if version else "no model: suggestions are off"
            self.stdout.write(f"{outcome}; {elapsed:.1f} s, peak RSS {peak:.0f} MB")
        pointer = store.read_pointer()
        self.stdout.write(json.dumps(pointer, ensure_ascii=False, indent=1))
        self.stdout.write("stored versions: " + (", ".join(store.versions()) or "none"))
