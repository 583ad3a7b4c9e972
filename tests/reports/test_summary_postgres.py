"""The tallies under concurrent steps, on real PostgreSQL: counts moved at once into and between the same keys."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from appeals.services import handling
from tests.reports.test_summary import assert_summary_is_raw
from tests.roles import Roles, make_appeal
from tests.roles import roles as roles  # the fixture

CONCURRENT = 12

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def run_at_once(work, items) -> list[BaseException]:
    barrier = threading.Barrier(len(items))
    errors: list[BaseException] = []

    def run(item) -> None:
        try:
            barrier.wait(timeout=30)
            work(item)
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_concurrent_steps_keep_the_tallies_equal_to_the_appeals(roles: Roles, require_postgres):
    appeals = []
    for _ in range(CONCURRENT):
        appeal = make_appeal()
        handling.record(appeal, "appeal.received", actor_label="заявитель")
        appeals.append(appeal)
    # Every appeal moves from the same key to the same new key at once (one tally row for all of them).
    assert not run_at_once(lambda a: handling.register_appeal(a, roles.registrar), appeals)
    assert_summary_is_raw()
    # Half go to department A and half to B while the other half comes back: moves in opposite directions.
    half = CONCURRENT // 2
    assert not run_at_once(lambda a: handling.assign_appeal(
        a, roles.registrar, department=roles.department_a, executor=roles.executor_a), appeals[:half])
    assert not run_at_once(lambda a: handling.assign_appeal(
        a, roles.registrar, department=roles.department_b, executor=roles.executor_b), appeals[half:])

    def swap(appeal) -> None:
        to_a = appeals.index(appeal) >= half
        handling.assign_appeal(appeal, roles.registrar, department=roles.department_a if to_a else roles.department_b,
                               executor=roles.executor_a if to_a else roles.executor_b)

    assert not run_at_once(swap, appeals)
    assert_summary_is_raw()


def test_the_satisfaction_sweeps_and_the_citizens_answers_at_once_keep_the_tally(roles: Roles, require_postgres):
    """The expiry (batches under SKIP LOCKED) in two workers while citizens answer: tally == requests."""
    from datetime import timedelta

    from django.utils import timezone

    from feedback import services

    now = timezone.now()
    old, fresh = [], []
    for index in range(CONCURRENT):
        appeal = make_appeal()
        handling.record(appeal, "appeal.received", actor_label="заявитель")
        key = services.issue_key(appeal).key
        asked = now - timedelta(days=60) if index % 2 else now - timedelta(days=1)
        (old if index % 2 else fresh).append(services.request_for_key(key, now=asked))
    assert_summary_is_raw()

    def work(item) -> None:
        if item == "expire":
            services.expire_requests(batch=2)
        else:
            services.answer_request(item, resolved="partly", mark=3)

    assert not run_at_once(work, ["expire", "expire", *fresh])
    assert {r.status for r in type(old[0]).objects.filter(pk__in=[r.pk for r in old])} == {"expired"}
    assert {r.status for r in type(old[0]).objects.filter(pk__in=[r.pk for r in fresh])} == {"answered"}
    assert_summary_is_raw()
