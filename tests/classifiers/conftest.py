"""Fixtures of the classifiers tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from classifiers.models import Topic


@pytest.fixture
def empty_classifier(db: None) -> None:
    """Remove the default topics that migration 0002 loads, for tests that count rows."""
    for topic in Topic.objects.order_by("-level"):
        topic.delete()


@pytest.fixture
def make_topic(db: None) -> Callable[..., Topic]:
    """Return a factory of topics; the parent is found from the code, as in save()."""

    def make(code: str, title: str | None = None, **fields: Any) -> Topic:
        return Topic.objects.create(code=code, title=title or f"Тема {code}", **fields)

    return make


@pytest.fixture
def csv_file(tmp_path: Path) -> Callable[..., Path]:
    """Return a writer of a CSV file in tmp_path: csv_file(text, encoding="utf-8")."""

    def write(text: str, encoding: str = "utf-8", name: str = "topics.csv") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write
