"""The reports' roles migration goes forwards and backwards: the heads read the reports, the administrator publishes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def back_to_the_latest_state():
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


def test_the_roles_get_the_reports_rights_and_give_them_back():
    apps = migrate(("reports", "0002_roles"))
    assert holders(apps, "view_reports") == {"Руководитель"}
    assert holders(apps, "publish_publicreview") == {"Администратор"}
    assert holders(apps, "change_publicreview") == {"Руководитель", "Администратор"}
    apps = migrate(("reports", "0001_initial"))
    assert holders(apps, "view_reports") == set() == holders(apps, "publish_publicreview")
