"""Find a citizen's personal data in a text meant for a public page (art. 6 part 2 of 59-FZ).

A published answer must not disclose who wrote: the applicant's names,
postal address and index, phone, e-mail, and the appeal's number. What is
found is named, so the head sees what to remove. Besides the applicant's own
details, any e-mail address, phone-like number and appeal number is found,
whoever's it is: a public page carries none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

_WORD = re.compile(r"[\w-]+", re.UNICODE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Runs of digits with the separators people put into phone numbers.
_PHONE = re.compile(r"(?<![\w])\+?\d[\d\s()\-\u2010-\u2015]{8,}\d(?![\w])")
# Any appeal number of the portal's shape: «ОГ-2026-000123», «2026-000123».
_APPEAL_NUMBER = re.compile(r"(?<![\w])(?:[A-Za-zА-Яа-яЁё]{1,4}\s*[-–]\s*)?20\d\d\s*[-–]\s*\d{3,6}(?![\w])")
# Words of a postal address that identify no one by themselves.
_ADDRESS_COMMON = {
    "г", "город", "гор", "ул", "улица", "д", "дом", "кв", "квартира", "корп", "корпус", "к", "стр", "строение",
    "пр", "пр-т", "проспект", "пер", "переулок", "ш", "шоссе", "б-р", "бульвар", "пл", "площадь", "наб",
    "набережная", "обл", "область", "край", "респ", "республика", "р-н", "район", "пос", "посёлок", "поселок",
    "с", "село", "мкр", "микрорайон", "россия", "рф", "москва", "санкт-петербург", "проезд", "тупик", "аллея",
}


def fold(text: str) -> str:
    return text.lower().replace("ё", "е")


def _words(text: str) -> list[str]:
    return [fold(word) for word in _WORD.findall(text)]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@dataclass(frozen=True)
class Finding:
    what: str  # «фамилия заявителя», «телефон»...
    text: str  # what was found, as it stands in the text

    def __str__(self) -> str:
        return f"{self.what} «{self.text}»"


def _name_findings(text: str, appeal: Any) -> list[Finding]:
    found: list[Finding] = []
    originals = _WORD.findall(text)
    words = [fold(word) for word in originals]
    surname = fold(appeal.last_name.strip())
    # Russian surnames change their endings (Иванов, Иванову, Ивановой):
    # a word that starts with the surname less its last letter, and is not
    # much longer, is taken for it.
    stem = surname[:-1] if len(surname) > 4 else surname
    for original, word in zip(originals, words, strict=True):
        if surname and len(surname) >= 2 and word.startswith(stem) and len(word) <= len(surname) + 3:
            found.append(Finding(_("фамилия заявителя"), original))
            break
    for label, value in ((_("имя заявителя"), appeal.first_name), (_("отчество заявителя"), appeal.patronymic)):
        name = fold(value.strip())
        if len(name) < 2:
            continue
        name_stem = name[:-1] if len(name) > 4 else name
        for original, word in zip(originals, words, strict=True):
            if word.startswith(name_stem) and len(word) <= len(name) + 2:
                found.append(Finding(label, original))
                break
    return found


def _address_findings(text: str, appeal: Any) -> list[Finding]:
    found: list[Finding] = []
    folded = fold(text)
    words = set(_words(text))
    for part in re.split(r"[,;]", appeal.address):
        part_words = [word for word in _words(part) if word not in _ADDRESS_COMMON]
        # The street's name and the house number, not the city: «Остоженка», «1».
        distinctive = [word for word in part_words if len(word) >= 4 and not word.isdigit()]
        if distinctive and all(word in words for word in distinctive):
            found.append(Finding(_("адрес заявителя"), part.strip()))
        elif fold(part.strip()) and len(part.strip()) >= 8 and fold(part.strip()) in folded:
            found.append(Finding(_("адрес заявителя"), part.strip()))
    index = appeal.postal_index.strip()
    if index and re.search(rf"(?<!\d){re.escape(index)}(?!\d)", text):
        found.append(Finding(_("почтовый индекс заявителя"), index))
    return found


def find(text: str, appeal: Any | None = None) -> list[Finding]:
    """What of a citizen's personal data the text contains; empty when it is fit to publish."""
    found: list[Finding] = []
    if appeal is not None:
        found += _name_findings(text, appeal)
        found += _address_findings(text, appeal)
        phone = _digits(appeal.phone)[-10:]
        if len(phone) == 10 and phone in _digits(text):
            found.append(Finding(_("телефон заявителя"), appeal.phone))
        if appeal.email and fold(appeal.email) in fold(text):
            found.append(Finding(_("электронная почта заявителя"), appeal.email))
        if appeal.number and fold(appeal.number) in fold(text):
            found.append(Finding(_("номер обращения"), appeal.number))
    for match in _EMAIL.finditer(text):
        found.append(Finding(_("адрес электронной почты"), match.group()))
    numbers = list(_APPEAL_NUMBER.finditer(text))
    for match in numbers:
        found.append(Finding(_("номер обращения"), match.group()))
    for match in _PHONE.finditer(text):
        inside_number = any(number.start() <= match.end() and match.start() <= number.end() for number in numbers)
        if 10 <= len(_digits(match.group())) <= 12 and not inside_number:
            found.append(Finding(_("номер телефона"), match.group().strip()))
    unique: dict[str, Finding] = {}
    for finding in found:
        unique.setdefault(fold(finding.text), finding)
    return list(unique.values())


def describe(findings: list[Finding]) -> str:
    """The Russian error for the head: what was found, to be removed before publishing."""
    return _("Текст содержит персональные данные: %(found)s. Уберите их перед публикацией "
             "(ч. 2 ст. 6 Федерального закона № 59-ФЗ).") % {"found": "; ".join(str(f) for f in findings)}
