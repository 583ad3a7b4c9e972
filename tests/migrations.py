"""Running the migrations to a state inside a test, and back to the latest one after it.

Import `back_to_the_latest_state` into a test module (pytest finds the
fixture there) and use it with `django_db(transaction=True,
serialized_rollback=True)`, so that the tests after it find every
migration applied.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(*targets: tuple[str, str]) -> Any:
    """Migrate to these (app, migration) targets; return the historical apps of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets))
    executor.loader.build_graph()
    return executor.loader.project_state(list(targets)).apps


@pytest.fixture
def back_to_the_latest_state() -> Iterator[None]:
    """Leave the database as the other tests expect it: every migration applied."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def holders(apps: Any, codename: str) -> set[str]:
    """The names of the groups that hold a permission, in that state."""
    Group = apps.get_model("auth", "Group")
    return set(Group.objects.filter(permissions__codename=codename).values_list("name", flat=True))
