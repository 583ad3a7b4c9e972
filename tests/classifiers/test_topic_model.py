"""Topic: derived level and parent, form rules, offered(), protection."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from classifiers.models import Topic

MakeTopic = Callable[..., Topic]


@pytest.mark.django_db
def test_save_derives_level_and_parent_from_the_code(make_topic: MakeTopic) -> None:
    group = make_topic("0002.0006.0000.0000", "Образование. Наука. Культура")
    theme = make_topic("0002.0006.0064.0000", "Образование")
    question = make_topic("0002.0006.0064.0272", "Платное образование")

    assert (group.level, theme.level, question.level) == (2, 3, 4)
    assert group.parent == Topic.objects.get(code="0002.0000.0000.0000")
    assert theme.parent == group
    assert question.parent == theme
    assert list(group.children.all()) == [theme]


@pytest.mark.django_db
def test_a_methodical_question_has_no_parent(make_topic: MakeTopic) -> None:
    topic = make_topic("0000.0000.0000.0999", "Вопрос методического перечня")

    assert topic.level == 4
    assert topic.parent is None
    assert topic.is_question


@pytest.mark.django_db
def test_a_missing_parent_is_a_validation_error_in_russian() -> None:
    topic = Topic(code="0003.0008.0086.0567", title="Ремонт дорог")

    with pytest.raises(ValidationError) as info:
        topic.full_clean()
    assert info.value.message_dict["code"] == ["Нет родительской темы 0003.0008.0086.0000: сначала добавьте её."]
    with pytest.raises(Topic.DoesNotExist):
        topic.save()


@pytest.mark.django_db
def test_full_clean_reports_a_malformed_code_once() -> None:
    with pytest.raises(ValidationError) as info:
        Topic(code="0003.8.86.567", title="Ремонт дорог").full_clean()
    assert len(info.value.message_dict["code"]) == 1


@pytest.mark.django_db
def test_only_questions_may_be_offered(make_topic: MakeTopic) -> None:
    group = Topic(code="0002.0006.0000.0000", title="Образование", is_offered=True)

    with pytest.raises(ValidationError) as info:
        group.full_clean()
    assert info.value.message_dict["is_offered"] == ["Предлагать на форме можно только вопросы (4-й уровень)."]

    section = Topic.objects.get(code="0002.0000.0000.0000")
    with pytest.raises(IntegrityError), transaction.atomic():
        Topic.objects.filter(pk=section.pk).update(is_offered=True)


@pytest.mark.django_db
def test_a_retired_topic_cannot_be_offered(make_topic: MakeTopic) -> None:
    topic = make_topic("0000.0000.0000.0999")
    topic.is_active = False
    topic.is_offered = True

    with pytest.raises(ValidationError) as info:
        topic.full_clean()
    assert "Выведенную из употребления тему нельзя предлагать на форме." in info.value.message_dict["is_offered"]
    with pytest.raises(IntegrityError), transaction.atomic():
        topic.save()


@pytest.mark.django_db
def test_the_code_of_an_existing_topic_does_not_change(make_topic: MakeTopic) -> None:
    topic = make_topic("0000.0000.0000.0999")
    topic.code = "0000.0000.0000.0998"

    with pytest.raises(ValidationError) as info:
        topic.full_clean()
    assert info.value.message_dict["code"] == ["Код существующей темы изменить нельзя."]


@pytest.mark.django_db
def test_codes_are_unique(make_topic: MakeTopic) -> None:
    make_topic("0000.0000.0000.0999")

    with pytest.raises(ValidationError) as info:
        Topic(code="0000.0000.0000.0999", title="Дубликат").full_clean()
    assert "code" in info.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Topic.objects.create(code="0000.0000.0000.0999", title="Дубликат")


@pytest.mark.django_db
def test_offered_lists_active_offered_questions_in_order(empty_classifier: None, make_topic: MakeTopic) -> None:
    make_topic("0002.0000.0000.0000")
    make_topic("0002.0006.0000.0000")
    make_topic("0002.0006.0064.0000")
    second = make_topic("0002.0006.0064.0272", is_offered=True, sort_order=20)
    first = make_topic("0000.0000.0000.0277", is_offered=True, sort_order=10)
    tie = make_topic("0000.0000.0000.0046", is_offered=True, sort_order=20)
    make_topic("0000.0000.0000.0120", is_offered=False)
    make_topic("0000.0000.0000.0527", is_active=False)

    assert list(Topic.objects.offered()) == [first, tie, second]


@pytest.mark.django_db
def test_retiring_an_offered_question_takes_it_off_the_form(make_topic: MakeTopic) -> None:
    topic = Topic.objects.get(code="0000.0000.0000.0272")
    assert topic in Topic.objects.offered()

    Topic.objects.filter(pk=topic.pk).update(is_active=False, is_offered=False)

    assert topic not in Topic.objects.offered()
    assert Topic.objects.filter(pk=topic.pk).exists()


@pytest.mark.django_db
def test_str_and_label_are_code_and_title() -> None:
    topic = Topic.objects.get(code="0000.0000.0000.0272")

    assert topic.label == "0000.0000.0000.0272 Платное образование"
    assert str(topic) == topic.label


@pytest.mark.django_db
def test_a_topic_with_children_cannot_be_deleted(make_topic: MakeTopic) -> None:
    make_topic("0002.0006.0000.0000")
    section = Topic.objects.get(code="0002.0000.0000.0000")

    with pytest.raises(ProtectedError):
        section.delete()
