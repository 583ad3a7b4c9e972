"""The reports' roles migration goes forwards and backwards: the heads read the reports, the administrator publishes."""

from __future__ import annotations

import pytest

from tests.migrations import back_to_the_latest_state, holders, migrate  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("back_to_the_latest_state")]


def test_the_roles_get_the_reports_rights_and_give_them_back():
    apps = migrate(("reports", "0002_roles"))
    assert holders(apps, "view_reports") == {"Руководитель"}
    assert holders(apps, "publish_publicreview") == {"Администратор"}
    assert holders(apps, "change_publicreview") == {"Руководитель", "Администратор"}
    apps = migrate(("reports", "0001_initial"))
    assert holders(apps, "view_reports") == set() == holders(apps, "publish_publicreview")
