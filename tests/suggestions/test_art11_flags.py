"""Article 11 flags on prepared texts, near misses included (issue 12, item 4)."""

from __future__ import annotations

import pytest

from suggestions import art11
from suggestions.models import ScreeningWord

pytestmark = pytest.mark.django_db

REAL_REQUEST = ("Прошу разъяснить, почему мне не назначили социальную стипендию за октябрь, "
                "хотя справка из соцзащиты сдана в деканат 2 октября.")


def cases(text: str) -> list[str]:
    return [flag.case for flag in art11.flags(text)]


@pytest.mark.parametrize(("text", "case"), [
    ("Proshu razyasnit poryadok perevoda na budzhet, ya uchus na platnom", "part4_1"),
    ("ПРОШУ РАЗОБРАТЬСЯ С ОБЩЕЖИТИЕМ НОМЕР ТРИ, ТАМ НЕТ ГОРЯЧЕЙ ВОДЫ УЖЕ МЕСЯЦ", "part4_1"),
    ("https://vk.com/wall-12345_678", "part4_1"),
    ("Смотрите по ссылке: https://disk.yandex.ru/d/abc123", "part4_1"),
    ("См. вложение", "part4_1"),
    ("Текст обращения во вложенном файле.", "part4_1"),
    ("Прошу рассмотреть приложенный документ", "part4_1"),
    ("Ректор — идиот и вор, все вы тут бездари", "part3"),
    ("Если не вернёте деньги, я доберусь до вашей семьи", "part3"),
    ("Знаю, где вы живёте, так что подумайте", "part3"),
    ("Вы все ох***ли, п…ц, заеба­ли своими справками", None),  # masked words: not on the list as typed
    ("Я не согласен с решением районного суда по моему делу и прошу его отменить", "part2"),
    ("Прошу пересмотреть приговор, вынесенный моему сыну", "part2"),
    ("Решение Пресненского суда незаконно, прошу вмешаться", "part2"),
])
def test_it_flags(text: str, case: str | None) -> None:
    found = cases(text)
    if case is None:
        assert "part3" not in found
    else:
        assert case in found


@pytest.mark.parametrize("text", [
    REAL_REQUEST,
    # A link inside a real request.
    "Прошу разъяснить правила заселения в общежитие: на странице https://linguanet.ru/dorm/ указано, "
    "что нужна справка о доходах, но в деканате её не принимают.",
    # The same text with the attachment named: still a request.
    "Прошу пересчитать стипендию за март, справка о доходах семьи во вложении.",
    # «Я это так не оставлю» without a threat.
    "Мне дважды отказали в справке об обучении без объяснения причин. Я это так не оставлю и буду "
    "жаловаться в министерство.",
    # A court decision mentioned as a fact.
    "Решением суда от 12 марта я восстановлен в университете, прошу выдать новый студенческий билет.",
    "Прошу исполнить решение суда о выплате мне стипендии за прошлый семестр.",
    # A few capitals and a Latin abbreviation are not a text in capitals or in Latin letters.
    "Прошу оплатить участие в конференции IEEE: доклад принят, ВУЗ обещал компенсацию.",
    # A word that starts like an insult but is not one.
    "Прошу перенести пересдачу по дисциплине «Дураковедение и сатира» в связи с болезнью.",
])
def test_near_misses_are_not_flagged(text: str) -> None:
    assert cases(text) == []


def test_each_flag_says_why() -> None:
    [flag] = art11.flags("Я не согласен с решением суда и прошу его отменить")
    assert flag.reason.startswith("обжалуется судебное решение")
    [flag] = art11.flags("Вы все идиоты")
    assert "оскорбление: идиот" in flag.reason


def test_the_administrator_edits_the_list() -> None:
    text = "Вы все тут крючкотворы"
    assert cases(text) == []
    ScreeningWord.objects.create(text="крючкотвор", category=ScreeningWord.Category.OFFENSIVE)
    assert cases(text) == ["part3"]
    ScreeningWord.objects.filter(text="идиот").update(is_active=False)
    assert cases("Вы все идиоты") == []


def test_a_phrase_needs_its_words_in_a_row() -> None:
    assert cases("Вам не жить спокойно") == ["part3"]
    assert cases("Вам, видимо, не жалко студентов, жить в таком общежитии нельзя") == []
