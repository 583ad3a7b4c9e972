"""Same-author detection on prepared pairs (issue 12, item 1), and the kind proposed from the earlier answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from appeals.models import Appeal
from suggestions import authors, normalize
from tests import roles as role_fixtures
from tests.roles import Roles, make_appeal

roles = role_fixtures.roles
pytestmark = pytest.mark.django_db

PERSON: dict[str, Any] = {
    "last_name": "Семёнова", "first_name": "Анна", "patronymic": "Игоревна",
    "address": "г. Тверь, ул. Советская, д. 12, кв. 5", "postal_index": "170100",
    "email": "a.semenova@mail.ru", "identified_as": "a.semenova@mail.ru",
}


def earlier(**fields: Any) -> Appeal:
    appeal = make_appeal(received_at=timezone.now() - timedelta(days=40), **{**PERSON, **fields})
    authors.index_author(appeal)
    return appeal


def later(**fields: Any) -> Appeal:
    return make_appeal(**{**PERSON, **fields})


def reasons(first: Appeal, second: Appeal) -> list[str]:
    found = {match.appeal.pk: match.reasons for match in authors.same_author_matches(second)}
    return list(found.get(first.pk, ()))


# --- the same person, each variant ------------------------------------------------------------
@pytest.mark.parametrize("variant", [
    # The same confirmed e-mail, folded: another name order and no address in common.
    {"email": "A.Semenova@Mail.RU", "address": "г. Москва, ул. Мира, д. 1", "postal_index": "101000"},
    # Ё/Е, case, spaces and hyphens in the name; the same address written otherwise.
    {"last_name": "СЕМЕНОВА ", "first_name": "анна", "email": "other@mail.ru",
     "address": "Тверь, улица Советская, дом 12, квартира 5"},
    # First name and surname swapped.
    {"last_name": "Анна", "first_name": "Семенова", "email": "other@mail.ru"},
    # The patronymic missing.
    {"patronymic": "", "email": "other@mail.ru"},
    # The same index and street, another flat.
    {"email": "other@mail.ru", "address": "г. Тверь, Советская ул., д. 14"},
    # A one-letter slip in the surname with the same e-mail.
    {"last_name": "Семенва", "address": "г. Москва, ул. Мира, д. 1", "postal_index": "101000"},
])
def test_it_finds_the_same_person_written_otherwise(variant: dict[str, Any]) -> None:
    first = earlier()
    assert reasons(first, later(**variant))


def test_a_double_surname_with_a_hyphen_or_a_space_is_one_name() -> None:
    first = earlier(last_name="Петрова-Водкина", email="p1@mail.ru")
    assert reasons(first, later(last_name="Петрова Водкина", email="p2@mail.ru"))


def test_each_reason_says_what_matched() -> None:
    first = earlier()
    found = reasons(first, later(last_name="Анна", first_name="Семёнова", patronymic=""))
    assert "тот же подтверждённый адрес электронной почты" in found
    assert "те же фамилия, имя и почтовый адрес" in found
    assert "имя и фамилия переставлены" in found
    assert "отчество указано только в одном из обращений" in found


# --- not the same person -------------------------------------------------------------------------
def test_a_namesake_at_another_address_is_not_the_same_author() -> None:
    first = earlier()
    assert reasons(first, later(email="namesake@mail.ru", address="г. Казань, ул. Баумана, д. 3",
                                postal_index="420111")) == []


def test_a_relative_at_the_same_address_with_another_first_name_is_not() -> None:
    first = earlier()
    assert reasons(first, later(first_name="Мария", email="maria@mail.ru")) == []


def test_a_family_email_shared_by_two_people_with_other_names_is_not() -> None:
    first = earlier()
    assert reasons(first, later(last_name="Семёнов", first_name="Игорь", patronymic="Петрович",
                                address="г. Москва, ул. Мира, д. 1", postal_index="101000")) == []


def test_another_patronymic_is_another_person_even_at_the_address() -> None:
    first = earlier()
    assert reasons(first, later(patronymic="Олеговна", email="other@mail.ru")) == []


def test_an_email_copied_by_a_registrar_proves_nothing() -> None:
    first = earlier()
    paper = later(last_name="Семенва", identification_method="registrar", address="г. Москва, ул. Мира, д. 1",
                  postal_index="101000")
    assert reasons(first, paper) == []


def test_a_later_appeal_is_not_an_earlier_one() -> None:
    first = earlier()
    second = later()
    authors.index_author(second)
    assert second.pk not in {match.appeal.pk for match in authors.same_author_matches(first)}


# --- the normalisation ----------------------------------------------------------------------------------
def test_the_address_keys() -> None:
    assert normalize.address_key("г. Тверь, ул. Советская, д. 12, кв. 5", "170100") == \
        normalize.address_key("Россия, Тверь, улица Советская, дом 12, квартира 5", "170 100")
    assert normalize.street_key("г. Тверь, Советская ул., 14", "170100") == "170100 УЛ СОВЕТСКАЯ"
    assert normalize.street_key("г. Тверь, ул. Советская, 14", "") == ""


def test_one_letter_apart() -> None:
    assert normalize.one_edit_apart("СЕМЕНОВА", "СЕМЕНВА")
    assert normalize.one_edit_apart("СЕМЕНОВА", "СЕМИНОВА")
    assert not normalize.one_edit_apart("СЕМЕНОВА", "СЕМЕНОВА")
    assert not normalize.one_edit_apart("СЕМЕНОВА", "СИМОНОВА")  # two letters


# --- the kind proposed from the earlier answers -------------------------------------------------------
def answered_earlier(roles: Roles, days: int, **fields: Any) -> Appeal:
    appeal = roles.appeal("answered", **{**PERSON, **fields})
    Appeal.objects.filter(pk=appeal.pk).update(received_at=timezone.now() - timedelta(days=days))
    appeal.refresh_from_db()
    authors.index_author(appeal)
    return appeal


def kind_for(appeal: Appeal) -> authors.KindProposal | None:
    return authors.proposed_kind(appeal, authors.same_author_matches(appeal))


def test_one_earlier_answer_on_the_same_question_makes_it_repeated(roles: Roles) -> None:
    first = answered_earlier(roles, 60)
    proposal = kind_for(later())
    assert proposal is not None and proposal.kind == "repeated"
    assert proposal.answered == (first,)
    assert first.number in proposal.reason


def test_from_the_third_time_it_is_multiple(roles: Roles) -> None:
    answered_earlier(roles, 90)
    answered_earlier(roles, 60)
    proposal = kind_for(later())
    assert proposal is not None and proposal.kind == "multiple"


def test_no_kind_without_an_answer_on_the_same_question(roles: Roles) -> None:
    from classifiers.models import Topic

    other_topic = Topic.objects.filter(is_offered=True).exclude(code=later().topic_code).first()
    answered_earlier(roles, 60, topic=other_topic)
    earlier(email="x@mail.ru")  # the same person, not answered
    assert kind_for(later()) is None


def test_the_kind_the_citizen_gave_is_not_lowered(roles: Roles) -> None:
    answered_earlier(roles, 60)
    assert kind_for(later(kind="multiple")) is None
    assert kind_for(later(kind="repeated")) is None


def test_an_answer_to_a_namesake_does_not_count(roles: Roles) -> None:
    answered_earlier(roles, 60, email="namesake@mail.ru", identified_as="namesake@mail.ru",
                     address="г. Казань, ул. Баумана, д. 3", postal_index="420111")
    assert kind_for(later()) is None
