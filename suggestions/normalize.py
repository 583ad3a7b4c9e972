"""Fold names and addresses so that the same person written two ways compares equal (issue 12, item 1).

Plain functions that know no model. The keys are what suggestions.AuthorKey
stores and indexes; the matching rules are in suggestions.authors.
"""

from __future__ import annotations

import re

_NOT_LETTER = re.compile(r"[^0-9A-ZА-Я]+")

# Words of a postal address that say what kind of thing follows: «ул.»,
# «улица» and «ул» are the same street. Folded to one spelling each.
_ADDRESS_WORDS = {
    "УЛ": "УЛ", "УЛИЦА": "УЛ",
    "Д": "Д", "ДОМ": "Д",
    "КВ": "КВ", "КВАРТИРА": "КВ",
    "К": "К", "КОРП": "К", "КОРПУС": "К",
    "СТР": "СТР", "СТРОЕНИЕ": "СТР",
    "Г": "Г", "ГОР": "Г", "ГОРОД": "Г",
    "ПР": "ПР", "ПРТ": "ПР", "ПРОСП": "ПР", "ПРОСПЕКТ": "ПР",
    "ПЕР": "ПЕР", "ПЕРЕУЛОК": "ПЕР",
    "Ш": "Ш", "ШОССЕ": "Ш",
    "Б": "Б", "БУЛ": "Б", "БУЛЬВАР": "Б",
    "ПЛ": "ПЛ", "ПЛОЩАДЬ": "ПЛ",
    "НАБ": "НАБ", "НАБЕРЕЖНАЯ": "НАБ",
    "ПОС": "П", "П": "П", "ПОСЕЛОК": "П",
    "С": "С", "СЕЛО": "С", "ДЕР": "ДЕР", "ДЕРЕВНЯ": "ДЕР",
    "ОБЛ": "ОБЛ", "ОБЛАСТЬ": "ОБЛ", "Р-Н": "Р-Н", "РН": "Р-Н", "РАЙОН": "Р-Н",
}
# What a citizen may add or leave out without changing the place.
_ADDRESS_NOISE = {"РОССИЯ", "РФ", "РОССИЙСКАЯ", "ФЕДЕРАЦИЯ"}
_STREET_MARKERS = {"УЛ", "ПР", "ПЕР", "Ш", "Б", "ПЛ", "НАБ"}
_HOUSE_MARKERS = {"Д", "К", "КВ", "СТР"}


def fold(text: str) -> str:
    """Upper case, Ё as Е, hyphens and runs of spaces or punctuation as one space."""
    return " ".join(_NOT_LETTER.sub(" ", text.upper().replace("Ё", "Е")).split())


def name_key(last_name: str, first_name: str) -> str:
    """The surname and first name in either order: «Иванова Мария» and «Мария Иванова» give one key."""
    parts = sorted(part for part in (fold(last_name).replace(" ", ""), fold(first_name).replace(" ", "")) if part)
    return " ".join(parts)


def name_part(text: str) -> str:
    """One part of a name folded: «Петрова-Водкина» and «петрова водкина» compare equal."""
    return fold(text).replace(" ", "")


def _address_tokens(address: str) -> list[str]:
    # A house number written «д.1» or «д 1» splits the same way; «12а» and
    # «12 а» are kept as one token.
    text = re.sub(r"(\d)\s+([А-Я])\b", r"\1\2", fold(address))
    tokens = []
    for token in text.split():
        if token in _ADDRESS_NOISE or re.fullmatch(r"\d{6}", token):
            continue  # the country, and an index typed into the address (the index has its own field)
        tokens.append(_ADDRESS_WORDS.get(token, token))
    return tokens


def address_key(address: str, postal_index: str = "") -> str:
    """The whole postal address folded, without the markers: «г. Москва, ул. Мира, д. 1» is «МОСКВА МИРА 1».

    The markers («ул.», «д.») are dropped, not only folded, so that a
    citizen who writes them once and leaves them out the next time gives
    the same key. The index leads, when known.
    """
    tokens = [token for token in _address_tokens(address) if token not in _ADDRESS_WORDS.values()]
    index = re.sub(r"\D", "", postal_index)
    return " ".join([index, *tokens] if index else tokens)


def street_key(address: str, postal_index: str) -> str:
    """The index and the street name: the same street of the same post office, whatever the house.

    Empty when the address names no street after a street marker or the
    index is not six digits: two such addresses prove nothing.
    """
    index = re.sub(r"\D", "", postal_index)
    if len(index) != 6:
        return ""
    tokens = _address_tokens(address)
    markers = set(_ADDRESS_WORDS.values())
    for position, token in enumerate(tokens):
        if token not in _STREET_MARKERS:
            continue
        following = tokens[position + 1] if position + 1 < len(tokens) else ""
        if position > 0 and tokens[position - 1] not in markers and (not following or following[:1].isdigit()
                                                                     or following in _HOUSE_MARKERS):
            return f"{index} {token} {tokens[position - 1]}"  # «Остоженка ул., 38»: the marker after the name
        street: list[str] = []
        for word in tokens[position + 1:]:
            if word in markers or (word[:1].isdigit() and street):
                break
            street.append(word)
        if street:
            return f"{index} {token} {' '.join(street)}"
    return ""


def email_key(email: str) -> str:
    return email.strip().casefold()


def one_edit_apart(a: str, b: str) -> bool:
    """Whether two words differ by exactly one letter replaced, added or dropped («Иванова», «Иваноа»)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1:] == b[i + 1:]
    return a[i:] == b[i + 1:]
