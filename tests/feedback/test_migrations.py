"""The data migrations of issue 11 go forwards and backwards: the shipped books and the roles' rights."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def back_to_the_latest_state():
    """Leave the database as the other tests expect it: every migration applied."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate(*targets: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets))
    executor.loader.build_graph()
    return executor.loader.project_state(list(targets)).apps


def holders(apps, codename: str) -> set[str]:
    Group = apps.get_model("auth", "Group")
    return set(Group.objects.filter(permissions__codename=codename).values_list("name", flat=True))


def test_the_causes_and_measures_are_shipped_and_taken_back():
    apps = migrate(("classifiers", "0005_outcome_causes_measures"))
    assert not apps.get_model("classifiers", "Cause").objects.exists()
    apps = migrate(("classifiers", "0006_outcome_shipped_books"))
    assert apps.get_model("classifiers", "Cause").objects.filter(title="необоснованная жалоба").exists()
    assert apps.get_model("classifiers", "Measure").objects.count() == 6
    apps = migrate(("classifiers", "0005_outcome_causes_measures"))
    assert not apps.get_model("classifiers", "Cause").objects.exists()
    assert not apps.get_model("classifiers", "Measure").objects.exists()


def test_the_administrator_gets_the_books_and_the_heads_the_review_list_and_back():
    apps = migrate(("classifiers", "0007_outcome_admin_rights"), ("feedback", "0002_roles"))
    assert holders(apps, "change_cause") == {"Администратор"} == holders(apps, "add_measure")
    assert holders(apps, "change_satisfactionrequest") == {"Руководитель"}
    apps = migrate(("classifiers", "0006_outcome_shipped_books"), ("feedback", "0001_initial"))
    assert holders(apps, "change_cause") == set() == holders(apps, "change_satisfactionrequest")
