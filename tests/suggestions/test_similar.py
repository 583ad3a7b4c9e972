"""Similar appeals (issue 12, item 2): Russian stemming on PostgreSQL, the fallback on SQLite, the user's scope."""

from __future__ import annotations

import pytest

from appeals.services import access
from suggestions import similar
from tests import roles as role_fixtures
from tests.roles import Roles, make_appeal

roles = role_fixtures.roles
pytestmark = pytest.mark.django_db

DORMITORY = "Прошу предоставить место в общежитии на время летней сессии, я живу в другом городе."
OTHERS = [
    "Прошу разъяснить порядок перевода на бюджетное место в магистратуре.",
    "Не начислена стипендия за март, прошу проверить ведомость.",
    "Прошу выдать справку об обучении для военкомата.",
]


def numbers(rows: list[similar.SimilarAppeal]) -> list[str]:
    return [row.appeal.number for row in rows]


def similar_to(appeal, **kwargs):
    """The search as the intake task runs it: every appeal's text vector stored first."""
    similar.index_text(list(similar.Appeal.objects.values_list("pk", flat=True)))
    return similar.similar_appeals(appeal, **kwargs)


def test_russian_stemming_finds_the_other_word_form(require_postgres) -> None:
    dormitory = make_appeal(text="В общежитие номер 2 не подают горячую воду, комендант не отвечает.")
    for text in OTHERS:
        make_appeal(text=text)
    appeal = make_appeal(text="Прошу разобраться: в общежитии нет горячей воды уже неделю.")
    found = similar_to(appeal)
    assert numbers(found)[:1] == [dormitory.number]
    assert appeal.number not in numbers(found)


def test_the_rarest_words_decide_and_common_ones_do_not(require_postgres) -> None:
    close = make_appeal(text="Прошу компенсировать проезд на конференцию в Казани, доклад принят.")
    for text in OTHERS * 3:
        make_appeal(text=text)
    appeal = make_appeal(text="Прошу оплатить проезд до Казани: мой доклад принят на конференцию.")
    assert numbers(similar_to(appeal))[0] == close.number


def test_the_query_is_bounded() -> None:
    shares = {"прош": 0.9, "общежит": 0.05, "вод": 0.1, "горяч": 0.02}
    conjunction, chosen = similar.choose_query(["прош", "общежит", "вод", "горяч", "коменд"], 1_000_000, shares)
    # No word rare enough for a cheap AND (GIN reads long lists): the OR of the rarest three alone.
    assert similar.candidate_queries(conjunction, chosen, shares, 0.01) == [(["коменд", "горяч", "общежит"], "|")]
    # A rare word («коменд» in 0.1 %): its ANDs first, then the OR.
    searches = similar.candidate_queries(conjunction, chosen, shares, 0.001)
    assert searches[0] == (["коменд", "горяч", "общежит"], "&") and searches[-1][1] == "|"
    assert all("коменд" in lexemes for lexemes, operator in searches if operator == "&")
    assert "прош" not in chosen  # in most appeals: says nothing
    assert chosen[0] == "коменд"  # not among the frequent ones: the rarest
    # 1M x 0.01 (half the rarest frequent one) x 0.02 = 200 still more than the 60 candidates; x 0.05 = 10.
    assert conjunction == ["коменд", "горяч", "общежит"]


def test_within_the_users_scope_only(roles: Roles) -> None:
    in_b = roles.appeal("in_work", department=roles.department_b, text=DORMITORY)
    in_a = roles.appeal("in_work", department=roles.department_a, text=DORMITORY)
    appeal = roles.appeal("in_work", text="Нужно место в общежитии на время сессии.")
    found = numbers(similar_to(appeal, queryset=access.visible_appeals(roles.executor_a)))
    assert in_a.number in found and in_b.number not in found


def test_the_fallback_compares_words() -> None:
    dormitory = make_appeal(text=DORMITORY)
    for text in OTHERS:
        make_appeal(text=text)
    appeal = make_appeal(text="Нужно общежитие на время сессии")
    found = similar._fallback(appeal, similar.Appeal.objects.exclude(pk=appeal.pk), 10)
    assert numbers(found)[0] == dormitory.number


def test_an_executor_sees_ten_of_their_department_when_the_stored_best_are_all_in_another(
        roles: Roles, require_postgres) -> None:
    from suggestions import services
    from suggestions.models import Proposal, ProposalKind

    in_b = [make_appeal(text=DORMITORY, department=roles.department_b) for _ in range(services.SIMILAR_STORED + 2)]
    in_a = [make_appeal(text=f"Прошу предоставить место в общежитии на время сессии, группа {n}.",
                        department=roles.department_a) for n in range(12)]
    appeal = make_appeal(text=DORMITORY, department=roles.department_a)
    similar.index_text(list(similar.Appeal.objects.values_list("pk", flat=True)))
    services.compute_suggestions(appeal)
    stored = set(Proposal.objects.filter(appeal=appeal, kind=ProposalKind.SIMILAR).values_list("other_id", flat=True))
    assert len(stored) == services.SIMILAR_STORED and stored <= {other.pk for other in in_b}

    shown = services.proposals_for(appeal, roles.executor_a)[ProposalKind.SIMILAR]
    assert len(shown) == similar.LIMIT
    assert {row.other_id for row in shown} <= {other.pk for other in in_a}
    # Stored as pending proposals: linked with one click, counted like the others.
    assert all(row.pk is not None and row.status == Proposal.Status.PENDING for row in shown)
    # The registrar, who sees every department, still gets the best of all.
    best = services.proposals_for(appeal, roles.registrar)[ProposalKind.SIMILAR]
    assert {row.other_id for row in best} <= {other.pk for other in in_b}


def test_a_closed_appeals_page_searches_nothing(roles: Roles, require_postgres) -> None:
    from django.utils import timezone

    from suggestions import services
    from suggestions.models import Proposal, ProposalKind

    for _ in range(services.SIMILAR_STORED + 2):
        make_appeal(text=DORMITORY, department=roles.department_b)
    for _ in range(3):
        make_appeal(text="Прошу предоставить место в общежитии на время сессии.", department=roles.department_a)
    appeal = make_appeal(text=DORMITORY, department=roles.department_a)
    similar.index_text(list(similar.Appeal.objects.values_list("pk", flat=True)))
    services.compute_suggestions(appeal)
    similar.Appeal.objects.filter(pk=appeal.pk).update(closed_at=timezone.now())
    appeal.refresh_from_db()
    before = Proposal.objects.count()
    # What was computed while it was open: nothing of department A was among the twenty.
    assert ProposalKind.SIMILAR not in services.proposals_for(appeal, roles.executor_a)
    assert Proposal.objects.count() == before


def test_a_stem_the_stemmer_would_cut_again_is_found(require_postgres) -> None:
    # to_tsvector('russian') makes «общежит» of «общежитии»; to_tsquery('russian', 'общежит') would make «общеж».
    dormitory = make_appeal(text="Общежитии")
    make_appeal(text="Стипендии")
    appeal = make_appeal(text="Общежитие")
    assert numbers(similar_to(appeal)) == [dormitory.number]


def test_the_executors_page_shows_ten_similar_appeals_of_their_department(roles: Roles, client,
                                                                           require_postgres) -> None:
    from django.urls import reverse

    from suggestions import services

    for _ in range(services.SIMILAR_STORED + 2):
        make_appeal(text=DORMITORY, department=roles.department_b)
    in_a = [make_appeal(text=f"Прошу предоставить место в общежитии на время сессии, группа {n}.",
                        department=roles.department_a) for n in range(12)]
    appeal = make_appeal(text=DORMITORY, department=roles.department_a)
    similar.index_text(list(similar.Appeal.objects.values_list("pk", flat=True)))
    services.compute_suggestions(appeal)
    client.force_login(roles.executor_a)
    html = client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).content.decode()
    section = html.split('id="suggestions-similar"', 1)[1]
    assert sum(other.number in section for other in in_a) == similar.LIMIT
    assert section.count('data-decision="accept"') == similar.LIMIT  # each can be linked with one click


def test_a_scoped_search_that_finds_fewer_than_ten_is_not_repeated_on_the_next_view(
        roles: Roles, require_postgres, monkeypatch) -> None:
    """The executor's repeated views do not each pay for the scoped search (issue 13: the appeal page's time)."""
    from suggestions import services
    from suggestions.models import ProposalKind

    for _ in range(services.SIMILAR_STORED + 2):
        make_appeal(text=DORMITORY, department=roles.department_b)
    in_a = [make_appeal(text="Прошу предоставить место в общежитии на время сессии.", department=roles.department_a)
            for _ in range(3)]
    appeal = make_appeal(text=DORMITORY, department=roles.department_a)
    similar.index_text(list(similar.Appeal.objects.values_list("pk", flat=True)))
    services.compute_suggestions(appeal)
    searches: list[int] = []
    search = similar.similar_appeals

    def counted(*args, **kwargs):
        searches.append(1)
        return search(*args, **kwargs)

    monkeypatch.setattr(similar, "similar_appeals", counted)

    first = services.proposals_for(appeal, roles.executor_a)[ProposalKind.SIMILAR]
    assert {row.other_id for row in first} == {other.pk for other in in_a}  # three of A: fewer than ten
    again = services.proposals_for(appeal, roles.executor_a)[ProposalKind.SIMILAR]
    assert [row.pk for row in again] == [row.pk for row in first]  # read back as stored
    assert len(searches) == 1
    # Once the marker is gone (SCOPED_SEARCH_RETRY), the scope is searched again: new appeals may match.
    from django.core.cache import cache

    cache.clear()
    services.proposals_for(appeal, roles.executor_a)
    assert len(searches) == 2
