"""What migration 0002_mglu_defaults leaves in a fresh database, and its reversal."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from classifiers.models import Institution, IntakeNote, Topic

MGLU_QUESTIONS = [
    ("0000.0000.0000.0046", "Право на личные и коллективные обращения граждан (Вместо «Другое»)"),
    ("0000.0000.0000.0120", "Запросы архивных данных (за исключением зарубежных стран)"),
    ("0000.0000.0000.0272", "Платное образование"),
    ("0000.0000.0000.0277", "Единый государственный экзамен"),
    ("0000.0000.0000.0527", "Конфликты на бытовой почве"),
    ("0000.0000.0000.0654", "Результаты рассмотрения обращения"),
    ("0000.0000.0000.0658", "Разрешение индивидуальных трудовых споров"),
]

SECTIONS = [
    ("0001.0000.0000.0000", "Государство, общество, политика"),
    ("0002.0000.0000.0000", "Социальная сфера"),
    ("0003.0000.0000.0000", "Экономика"),
    ("0004.0000.0000.0000", "Оборона, безопасность, законность"),
    ("0005.0000.0000.0000", "Жилищно-коммунальная сфера"),
]

migration = importlib.import_module("classifiers.migrations.0002_mglu_defaults")


@pytest.mark.django_db
def test_the_form_offers_the_institutions_seven_questions() -> None:
    assert [(t.code, t.title) for t in Topic.objects.offered()] == MGLU_QUESTIONS
    assert str(Topic.objects.offered()[2]) == "0000.0000.0000.0272 Платное образование"


@pytest.mark.django_db
def test_the_five_sections_are_there_and_not_offered() -> None:
    sections = Topic.objects.filter(level=1).order_by("code")

    assert [(t.code, t.title) for t in sections] == SECTIONS
    assert not any(t.is_offered or t.parent_id for t in sections)


@pytest.mark.django_db
def test_the_institution_is_mglu() -> None:
    institution = Institution.get_current()

    assert institution.short_name == "ФГБОУ ВО МГЛУ"
    assert institution.full_name == (
        "Федеральное государственное бюджетное образовательное учреждение высшего образования "
        "«Московский государственный лингвистический университет»"
    )
    assert institution.full_postal_address == "119034, г. Москва, ул. Остоженка, д. 38, стр. 1"
    assert institution.email == "info@linguanet.ru"
    assert institution.website == "https://www.linguanet.ru"
    institution.full_clean()


@pytest.mark.django_db
def test_get_current_never_invents_the_institution() -> None:
    Institution.objects.all().delete()

    with pytest.raises(Institution.DoesNotExist):
        Institution.get_current()
    assert not Institution.objects.exists()


@pytest.mark.django_db
def test_there_is_only_one_institution() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Institution.objects.create(short_name="Второе", full_name="Второе", postal_index="101000")
    with pytest.raises(IntegrityError), transaction.atomic():
        Institution.objects.create(pk=2, short_name="Второе", full_name="Второе", postal_index="101000")


@pytest.mark.django_db
def test_notes_one_to_eleven_are_published_in_order() -> None:
    notes = list(IntakeNote.objects.published())
    numbered = [note.number for note in notes if note.number is not None]

    assert numbered == list(range(1, 12))
    assert notes[0].text.startswith("Обращения граждан в адрес ФГБОУ ВО МГЛУ могут быть:\n- отправлены по почте")
    assert notes[1].title == "Информация для ознакомления, желающим отправить обращение в форме электронного документа"
    assert notes[-1].text.startswith("Обращаем Ваше внимание, что в целях объективного")
    assert len(notes) == 17


@pytest.mark.django_db
def test_notes_keep_their_paragraphs() -> None:
    point = {note.number: note.text for note in IntakeNote.objects.published() if note.number}

    assert len(point[4].split("\n\n")) == 3
    assert point[4].split("\n\n")[2].startswith("Обращаем внимание, что в целях обеспечения неразглашения")
    assert len(point[5].split("\n\n")) == 5
    assert point[5].endswith(
        "с суммарным размером:\n"
        "до 5 Мб осуществляется, как правило, без задержки во времени;\n"
        "от 5 Мб до 10 Мб может осуществляться с задержкой во времени;\n"
        "свыше 10 Мб может быть не осуществлена."
    )
    assert len(point[8].split("\n\n")) == 2


@pytest.mark.django_db
def test_unpublished_notes_are_not_shown() -> None:
    IntakeNote.objects.filter(number=11).update(is_published=False)

    assert 11 not in [note.number for note in IntakeNote.objects.published()]


@pytest.mark.django_db
def test_the_data_migration_is_reversible() -> None:
    schema_editor = SimpleNamespace(connection=connection)

    migration.unload_defaults(apps, schema_editor)
    assert (Topic.objects.count(), Institution.objects.count(), IntakeNote.objects.count()) == (0, 0, 0)

    migration.load_defaults(apps, schema_editor)
    assert [(t.code, t.title) for t in Topic.objects.offered()] == MGLU_QUESTIONS
    assert Institution.get_current().short_name == "ФГБОУ ВО МГЛУ"
    assert IntakeNote.objects.published().count() == 17
