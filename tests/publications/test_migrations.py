"""The publications app's migrations: the heads' right to publish, the search index on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.migrations import back_to_the_latest_state, migrate  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("back_to_the_latest_state")]


def publishers(apps) -> set[str]:
    Group = apps.get_model("auth", "Group")
    return set(Group.objects.filter(permissions__codename="publish_publishedanswer").values_list("name", flat=True))


def test_the_heads_get_the_right_to_publish_and_lose_it_backwards():
    assert publishers(migrate(("publications", "0001_initial"))) == set()
    assert publishers(migrate(("publications", "0002_roles"))) == {"Руководитель"}
    assert publishers(migrate(("publications", "0001_initial"))) == set()


def test_the_search_index_exists_on_postgresql_and_goes_backwards(require_postgres):
    def indexes() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'publications_publishedanswer'")
            return {row[0] for row in cursor.fetchall()}

    migrate(("publications", "0001_initial"))
    assert "pubanswer_search_idx" in indexes()
    MigrationExecutor(connection).migrate([("publications", None)])
    assert indexes() == set()
