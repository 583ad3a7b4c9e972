"""Citizens' names as letters need them: the dative case of the addressee block, the salutation.

Russian Post wants the addressee in the dative case («Ивановой Марии Петровне»,
law digest section 6). pytrovich declines by rules that depend on the gender,
which is taken from the patronymic when there is one (patronymics are
gender-specific by construction), else guessed from the name and surname.
When the gender stays unknown the name is left in the nominative: a wrong
ending in an official letter is worse than none.
"""

from __future__ import annotations

from functools import cache

from pytrovich import Case, Gender, NamePart, PetrovichDeclinationMaker, PetrovichGenderDetector


@cache
def _maker() -> PetrovichDeclinationMaker:
    return PetrovichDeclinationMaker()


@cache
def _detector() -> PetrovichGenderDetector:
    return PetrovichGenderDetector()


def detect_gender(last: str, first: str, patronymic: str = "") -> Gender | None:
    """Return MALE or FEMALE, or None when neither the patronymic nor the names tell."""
    detector = _detector()
    if patronymic.strip():
        gender = detector.detect(middlename=patronymic.strip())
        if gender is not Gender.ANDROGYNOUS:
            return gender
    parts = {"lastname": last.strip() or None, "firstname": first.strip() or None}
    if not any(parts.values()):
        return None
    gender = detector.detect(**parts)
    return None if gender is Gender.ANDROGYNOUS else gender


def _decline(part: NamePart, gender: Gender, value: str) -> str:
    # A name of several words («Али оглы», «фон Бок»): each word is declined on
    # its own; pytrovich leaves alone what it has no rule for.
    return " ".join(_maker().make(part, gender, Case.DATIVE, word) for word in value.split())


def dative_name(last: str, first: str, patronymic: str = "") -> str:
    """Return «Фамилия Имя Отчество» in the dative case: «Ивановой Марии Петровне».

    The name is returned in the nominative when its gender cannot be told.
    """
    parts = [(NamePart.LASTNAME, last), (NamePart.FIRSTNAME, first), (NamePart.MIDDLENAME, patronymic)]
    gender = detect_gender(last, first, patronymic)
    if gender is None:
        return " ".join(" ".join(value.split()) for _, value in parts if value.strip())
    return " ".join(_decline(part, gender, value) for part, value in parts if value.strip())


def citizen_name(first: str, patronymic: str = "", last: str = "") -> str:
    """Return how a letter addresses the citizen: name and patronymic, «Мария Петровна».

    Without a patronymic (a foreign name) the name and surname: «Джон Смит».
    """
    words = [first, patronymic] if patronymic.strip() else [first, last]
    return " ".join(" ".join(word.split()) for word in words if word.strip())


def salutation(last: str, first: str, patronymic: str = "") -> str:
    """Return the salutation line: «Уважаемая Мария Петровна!», or a neutral one when the gender is unknown."""
    name = citizen_name(first, patronymic, last)
    gender = detect_gender(last, first, patronymic)
    if gender is Gender.FEMALE:
        return f"Уважаемая {name}!"
    if gender is Gender.MALE:
        return f"Уважаемый {name}!"
    return f"Здравствуйте, {name}!"
