"""The data migrations of issue 11 go forwards and backwards: the shipped books and the roles' rights."""

from __future__ import annotations

import pytest

from tests.migrations import back_to_the_latest_state, holders, migrate  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("back_to_the_latest_state")]


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
