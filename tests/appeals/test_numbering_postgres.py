"""Registration numbers under concurrent receipts, on real PostgreSQL.

Transactional tests empty the tables afterwards; serialized_rollback puts the
migrations' data (topics, the institution) back for the next test.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from appeals import services
from appeals.forms import AppealForm, draft_data
from appeals.identification import Identity
from appeals.models import Appeal, Draft
from tests.factories import form_data

CONCURRENT = 50


def awaiting_draft(n: int) -> Draft:
    form = AppealForm(form_data(email=f"citizen{n}@mail.ru"), kept=[])
    assert form.is_valid(), form.errors
    return services.submit_draft(services.create_draft(), draft_data(form.cleaned_data))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_concurrent_confirmations_get_fifty_numbers_without_gaps(require_postgres):
    drafts = [awaiting_draft(n) for n in range(CONCURRENT)]
    barrier = threading.Barrier(CONCURRENT)
    errors: list[BaseException] = []

    def confirm(draft: Draft) -> None:
        try:
            barrier.wait(timeout=30)
            services.receive_appeal(draft, Identity("email", draft.email))
        except BaseException as exc:  # reported below, in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    sequences = sorted(Appeal.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, CONCURRENT + 1))
    assert Appeal.objects.values("number").distinct().count() == CONCURRENT


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_draft_confirmed_twice_at_once_is_one_appeal(require_postgres):
    draft = awaiting_draft(0)
    barrier = threading.Barrier(2)
    receipts = []

    def confirm() -> None:
        try:
            barrier.wait(timeout=10)
            receipts.append(services.receive_appeal(draft, Identity("email", draft.email)))
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert Appeal.objects.count() == 1
    assert sorted(r.created for r in receipts) == [False, True]
