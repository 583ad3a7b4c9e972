"""What the intake computation reads (issue 12 "Speed": under 50 ms per appeal): the art. 11 list compiled once
and again only after an edit, the same author's earlier appeals without their whole rows, few statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from suggestions import art11, authors, services
from suggestions.models import ScreeningWord
from tests.roles import make_appeal

pytestmark = pytest.mark.django_db


def test_the_list_is_compiled_once_and_again_after_an_edit() -> None:
    art11._compile.cache_clear()
    assert art11.abusive("Вы все идиоты") is not None
    assert art11.abusive("Прошу выдать справку об обучении") is None
    assert art11._compile.cache_info().misses == 1
    word = ScreeningWord.objects.create(text="крючкотвор", category=ScreeningWord.Category.OFFENSIVE)
    assert art11.abusive("Вы все тут крючкотворы") is not None  # seen at once
    assert art11._compile.cache_info().misses == 2
    word.text = "буквоед"
    word.save()
    assert art11.abusive("Вы все тут крючкотворы") is None and art11.abusive("Одни буквоеды") is not None


def test_the_same_authors_appeals_are_read_without_their_text() -> None:
    earlier = make_appeal(received_at=timezone.now() - timedelta(days=30))
    authors.index_author(earlier)
    [match] = authors.same_author_matches(make_appeal())
    assert match.appeal.pk == earlier.pk and "text" in match.appeal.get_deferred_fields()
    assert match.appeal.number == earlier.number  # what the kind's reason names


def test_the_author_key_and_the_state_are_stored_in_one_statement_each() -> None:
    appeal = make_appeal()
    with CaptureQueriesContext(connection) as queries:
        services.compute_suggestions(appeal)
    statements = [query["sql"] for query in queries.captured_queries]
    assert sum("suggestions_authorkey" in sql and not sql.startswith("SELECT") for sql in statements) == 1
    assert sum("suggestions_suggestionstate" in sql for sql in statements) == 1
    assert sum("suggestions_screeningword" in sql for sql in statements) == 1
    services.compute_suggestions(appeal)  # and again: the rows are updated, not doubled
    assert authors.AuthorKey.objects.filter(appeal=appeal).count() == 1
