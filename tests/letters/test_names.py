"""The addressee block names the citizen in the dative case; letters greet by name and patronymic."""

from __future__ import annotations

import pytest

from letters.names import citizen_name, dative_name, salutation


@pytest.mark.parametrize(
    ("last", "first", "patronymic", "dative"),
    [
        ("Петров", "Иван", "Сергеевич", "Петрову Ивану Сергеевичу"),
        ("Иванова", "Мария", "Петровна", "Ивановой Марии Петровне"),
        ("Римская-Корсакова", "Анна", "Ивановна", "Римской-Корсаковой Анне Ивановне"),
        ("Салтыков-Щедрин", "Михаил", "Евграфович", "Салтыкову-Щедрину Михаилу Евграфовичу"),
        # The patronymic decides even when the first name could be either.
        ("Черных", "Саша", "Александровна", "Черных Саше Александровне"),
    ],
)
def test_russian_names_go_into_the_dative(last, first, patronymic, dative):
    assert dative_name(last, first, patronymic) == dative


def test_a_foreign_name_without_patronymic_is_declined_by_the_detected_gender():
    assert dative_name("Смит", "Джон", "") == "Смиту Джону"


def test_a_name_of_unknown_gender_stays_in_the_nominative():
    assert dative_name("Черных", "Саша", "") == "Черных Саша"
    assert dative_name(" Ли ", "Ким", "") == "Ли Ким"


def test_citizen_name_and_salutation():
    assert citizen_name("Мария", "Петровна", "Иванова") == "Мария Петровна"
    assert citizen_name("Джон", "", "Смит") == "Джон Смит"
    assert salutation("Иванова", "Мария", "Петровна") == "Уважаемая Мария Петровна!"
    assert salutation("Петров", "Иван", "Сергеевич") == "Уважаемый Иван Сергеевич!"
    assert salutation("Черных", "Саша", "") == "Здравствуйте, Саша Черных!"
