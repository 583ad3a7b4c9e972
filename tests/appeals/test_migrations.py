"""Data migrations of the appeals app, run forwards on rows made at the state before them."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from tests.migrations import back_to_the_latest_state, migrate  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("back_to_the_latest_state")]


def test_appeals_received_before_case_handling_get_their_registration_term():
    old = migrate(("appeals", "0006_answer_files"))
    Appeal = old.get_model("appeals", "Appeal")
    Topic = old.get_model("classifiers", "Topic")
    topic = Topic.objects.filter(level=4).first()
    received = timezone.make_aware(timezone.datetime(2026, 4, 6, 10, 0))
    Appeal.objects.create(
        number="ОГ-2026-000001", year=2026, sequence=1, received_at=received, topic=topic,
        topic_code=topic.code, topic_title=topic.title, kind="primary", text="Текст", identification_method="email",
        identified_as="a@mail.ru", access_code_hash="x", last_name="Иванова", first_name="Мария",
        address="Москва", postal_index="119034", phone="+79161234567", email="a@mail.ru", reply_method="email",
    )
    new = migrate(("appeals", "0007_backfill_terms"))
    appeal = new.get_model("appeals", "Appeal").objects.get()
    # Received on Monday 6 April 2026: 3 days later, Thursday 9 April, a working day.
    assert appeal.registration_due == date(2026, 4, 9) and appeal.next_due == date(2026, 4, 9)


def test_the_access_log_moves_from_the_administrator_to_the_heads_and_back():
    def readers(apps) -> set[str]:
        Group = apps.get_model("auth", "Group")
        return set(Group.objects.filter(permissions__codename="view_accesslogentry").values_list("name", flat=True))

    assert readers(migrate(("appeals", "0010_scoping_log_actions"))) == {"Администратор"}
    assert readers(migrate(("appeals", "0011_scoping_audit_role"))) == {"Руководитель"}
    assert readers(migrate(("appeals", "0010_scoping_log_actions"))) == {"Администратор"}
