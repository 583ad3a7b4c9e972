"""The import_topics command and the importer behind it."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from classifiers.importer import (
    TopicImportError,
    TopicRow,
    import_topics,
    parse_topics_csv,
)
from classifiers.models import Topic

CsvFile = Callable[..., Path]

HEADER = "code,title\n"


def run(path: Path, *options: str) -> str:
    out = StringIO()
    call_command("import_topics", str(path), *options, stdout=out)
    return out.getvalue()


def codes() -> set[str]:
    return set(Topic.objects.values_list("code", flat=True))


@pytest.mark.django_db
def test_it_creates_topics_with_parents_from_the_same_file(empty_classifier: None, csv_file: CsvFile) -> None:
    # Children come first on purpose: the importer writes parents first.
    path = csv_file(
        HEADER + "0005.0005.0056.1149,Оплата жилищно-коммунальных услуг\n"
        "0005.0005.0056.0000,Коммунальное хозяйство\n"
        "0005.0005.0000.0000,Жилище\n"
        "0005.0000.0000.0000,Жилищно-коммунальная сфера\n"
    )

    output = run(path)

    assert "Создано: 4, обновлено: 0" in output
    question = Topic.objects.get(code="0005.0005.0056.1149")
    assert question.title == "Оплата жилищно-коммунальных услуг"
    assert question.level == 4
    assert question.parent.code == "0005.0005.0056.0000"
    assert question.parent.parent.parent.code == "0005.0000.0000.0000"
    assert not question.is_offered


@pytest.mark.django_db
def test_it_updates_the_title_of_an_existing_code(csv_file: CsvFile) -> None:
    topic = Topic.objects.get(code="0000.0000.0000.0272")

    output = run(csv_file(HEADER + "0000.0000.0000.0272,Платные образовательные услуги\n"))

    assert "Создано: 0, обновлено: 1, без изменений: 0" in output
    topic.refresh_from_db()
    assert topic.title == "Платные образовательные услуги"
    # Columns the file does not have leave the topic as it was.
    assert topic.is_offered
    assert topic.sort_order == 30


@pytest.mark.django_db
def test_it_counts_unchanged_lines(csv_file: CsvFile) -> None:
    output = run(csv_file(HEADER + "0000.0000.0000.0272,Платное образование\n"))

    assert "Создано: 0, обновлено: 0, без изменений: 1" in output


@pytest.mark.django_db
def test_it_uses_parents_already_in_the_database(csv_file: CsvFile) -> None:
    run(csv_file(HEADER + "0002.0006.0000.0000,Образование. Наука. Культура\n"))

    assert Topic.objects.get(code="0002.0006.0000.0000").parent.code == "0002.0000.0000.0000"


@pytest.mark.django_db
def test_a_missing_parent_is_named_with_its_line(empty_classifier: None, csv_file: CsvFile) -> None:
    path = csv_file(HEADER + "0003.0000.0000.0000,Экономика\n0003.0008.0086.0567,Ремонт дорог\n")

    with pytest.raises(CommandError) as info:
        run(path)

    assert "Строка 3: нет родительской темы 0003.0008.0086.0000 для 0003.0008.0086.0567" in str(info.value)
    assert codes() == set()


@pytest.mark.django_db
def test_a_bad_code_rolls_back_every_line(csv_file: CsvFile) -> None:
    before = {(t.code, t.title) for t in Topic.objects.all()}
    path = csv_file(
        HEADER + "0000.0000.0000.0272,Новое название\n"
        "0000.0000.0000.0999,Новая тема\n"
        "0000.0000.0000.999,Плохой код\n"
        "0000.0000.0000.0000,Одни нули\n"
    )

    with pytest.raises(CommandError) as info:
        run(path)

    message = str(info.value)
    assert "Строка 4: неверный код «0000.0000.0000.999»" in message
    assert "Строка 5: неверный код «0000.0000.0000.0000»" in message
    assert {(t.code, t.title) for t in Topic.objects.all()} == before


@pytest.mark.django_db
def test_it_reads_semicolons_as_excel_writes_them(empty_classifier: None, csv_file: CsvFile) -> None:
    path = csv_file("code;title;offered;sort_order\r\n0001.0000.0000.0000;Государство, общество, политика;0;5\r\n")

    run(path)

    topic = Topic.objects.get(code="0001.0000.0000.0000")
    assert topic.title == "Государство, общество, политика"
    assert topic.sort_order == 5


@pytest.mark.django_db
def test_it_accepts_a_byte_order_mark(empty_classifier: None, csv_file: CsvFile) -> None:
    run(csv_file(HEADER + "0000.0000.0000.0272,Платное образование\n", encoding="utf-8-sig"))

    assert codes() == {"0000.0000.0000.0272"}


@pytest.mark.django_db
def test_it_refuses_a_file_not_in_utf8(csv_file: CsvFile) -> None:
    with pytest.raises(CommandError, match="не в кодировке UTF-8"):
        run(csv_file(HEADER + "0000.0000.0000.0999,Платное образование\n", encoding="cp1251"))


@pytest.mark.django_db
def test_retire_missing_retires_and_never_deletes(csv_file: CsvFile) -> None:
    path = csv_file(HEADER + "0000.0000.0000.0272,Платное образование\n0002.0006.0000.0000,Образование\n")

    output = run(path, "--retire-missing")

    # Ten defaults are gone from the file: 6 methodical questions and 4 of the
    # 5 sections; 0002 stays as the parent of a line.
    assert "выведено из употребления: 10" in output
    retired = Topic.objects.get(code="0000.0000.0000.0046")
    assert not retired.is_active
    assert not retired.is_offered
    assert Topic.objects.get(code="0002.0000.0000.0000").is_active
    assert [t.code for t in Topic.objects.offered()] == ["0000.0000.0000.0272"]
    assert Topic.objects.count() == 13


@pytest.mark.django_db
def test_a_retired_topic_in_the_file_is_active_again(csv_file: CsvFile) -> None:
    Topic.objects.filter(code="0000.0000.0000.0527").update(is_active=False, is_offered=False)

    output = run(csv_file("code,title,offered\n0000.0000.0000.0527,Конфликты на бытовой почве,1\n"))

    assert "обновлено: 1" in output
    assert Topic.objects.offered().filter(code="0000.0000.0000.0527").exists()


@pytest.mark.django_db
def test_dry_run_counts_and_writes_nothing(csv_file: CsvFile) -> None:
    before = {(t.code, t.title, t.is_active) for t in Topic.objects.all()}
    path = csv_file(HEADER + "0000.0000.0000.0272,Другое название\n0000.0000.0000.0999,Новая тема\n")

    output = run(path, "--dry-run", "--retire-missing")

    assert "Создано: 1, обновлено: 1, без изменений: 0, выведено из употребления: 11." in output
    assert "Пробный запуск: ничего не записано." in output
    assert {(t.code, t.title, t.is_active) for t in Topic.objects.all()} == before


@pytest.mark.django_db
def test_offer_offers_the_questions_of_the_file(empty_classifier: None, csv_file: CsvFile) -> None:
    path = csv_file(
        "code,title,offered\n"
        "0002.0000.0000.0000,Социальная сфера,\n"
        "0000.0000.0000.0272,Платное образование,\n"
        "0000.0000.0000.0277,Единый государственный экзамен,0\n"
    )

    run(path, "--offer")

    assert [t.code for t in Topic.objects.offered()] == ["0000.0000.0000.0272"]
    assert not Topic.objects.get(code="0002.0000.0000.0000").is_offered


@pytest.mark.django_db
def test_offering_a_section_is_an_error(csv_file: CsvFile) -> None:
    with pytest.raises(CommandError, match="Строка 2: предлагать на форме можно только вопросы"):
        run(csv_file("code,title,offered\n0002.0000.0000.0000,Социальная сфера,1\n"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Файл пуст."),
        ("kod,title\n", "Строка 1: нет столбцов code"),
        ("code,title,colour\n", "Строка 1: неизвестные столбцы colour"),
        (HEADER + "0000.0000.0000.0272,\n", "Строка 2: нет наименования."),
        (
            HEADER + "0000.0000.0000.0272,А\n0000.0000.0000.0272,Б\n",
            "Строка 3: код 0000.0000.0000.0272 уже встречался в строке 2.",
        ),
        ("code,title,offered\n0000.0000.0000.0272,А,может быть\n", "Строка 2: offered должен быть 1 или 0"),
        ("code,title,sort_order\n0000.0000.0000.0272,А,-1\n", "Строка 2: sort_order должен быть целым числом"),
        (HEADER + "0000.0000.0000.0272,А,лишнее\n", "Строка 2: лишние значения"),
    ],
)
def test_parse_reports_problems_with_line_numbers(text: str, message: str) -> None:
    with pytest.raises(TopicImportError) as info:
        parse_topics_csv(text.encode())
    assert any(message in error for error in info.value.errors), info.value.errors


def test_parse_skips_blank_lines_and_keeps_physical_line_numbers() -> None:
    rows = parse_topics_csv((HEADER + "\n0000.0000.0000.0272, Платное образование \n\n").encode())

    assert rows == [TopicRow(line=3, code="0000.0000.0000.0272", title="Платное образование")]


@pytest.mark.django_db
def test_the_importer_takes_any_topic_model_class(empty_classifier: None) -> None:
    # The data migration passes the historical model; the real one works the same.
    summary = import_topics(
        Topic, [TopicRow(line=2, code="0000.0000.0000.0272", title="Платное образование", offered=True)]
    )

    assert (summary.created, summary.updated, summary.retired) == (1, 0, 0)
    assert Topic.objects.offered().get().level == 4


@pytest.mark.django_db
def test_an_unreadable_file_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        run(tmp_path / "absent.csv")
