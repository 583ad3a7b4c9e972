"""A free-text Russian address, as a citizen typed it, in the parts of the Russian Post rules.

The rules (Правила оказания услуг почтовой связи, приказ Минцифры России от
17.04.2023 № 382, and the 2005 rules before them) write the addressee's
address in this order: the addressee's name; the street, the house and the
flat; the settlement; the district; the region (республика, край, область,
автономный округ); the postal index. `envelope_lines` prints that order;
`parse_address` finds the parts in whatever order the citizen typed them.

The parser works on comma-separated pieces (and, where the citizen typed no
commas, splits before the words that start a part: «ул.», «д.», «кв.», «г.»
…, or after those that end one: «обл.», «р-н», «край» …). Each piece is
placed by its keyword; a piece with none goes to the settlement while none has
been seen yet, and to the street after that, so no word typed is lost: the
envelope still carries it, if not in the ideal line.
"""

from __future__ import annotations

import re

from postal.documents.types import AddressParts, Party

# Keywords, lower case without the trailing dot. Each maps to the spelling printed.
_REGION_PREFIX = {"респ": "Респ.", "республика": "Республика", "обл": "обл.", "область": "область", "край": "край"}
# The country is written on international items only (the Russian Post rules): dropped on domestic ones.
COUNTRY = {"россия", "рф", "российская федерация", "russia"}
_CITY_ALIASES = {"спб": "Санкт-Петербург", "с.-петербург": "Санкт-Петербург", "с-петербург": "Санкт-Петербург"}
_REGION_SUFFIX = {
    "обл": "обл.", "область": "область", "области": "области", "край": "край", "края": "края", "респ": "Респ.",
    "республика": "Республика", "ао": "АО", "округ": "округ", "а.о": "а.о.",
}
_DISTRICT_SUFFIX = {
    "р-н": "р-н", "район": "район", "р-на": "р-на", "района": "района", "р-он": "р-он", "м.о": "м.о.", "г.о": "г.о.",
    "м.р-н": "м.р-н",
}
_DISTRICT_PREFIX = {"р-н": "р-н", "район": "район", "м.о": "м.о.", "г.о": "г.о.", "м.р-н": "м.р-н"}
_PLACE_PREFIX = {
    "г": "г.", "город": "город", "гор": "гор.", "пос": "пос.", "посёлок": "посёлок", "поселок": "поселок",
    "п": "п.", "пгт": "пгт", "рп": "рп", "р.п": "р.п.", "с": "с.", "село": "село", "дер": "дер.",
    "деревня": "деревня", "ст-ца": "ст-ца", "станица": "станица", "х": "х.", "хутор": "хутор", "аул": "аул",
    "сл": "сл.", "слобода": "слобода", "снт": "СНТ", "нп": "нп", "рабочий": "рабочий",
}
_STREET_PREFIX = {
    "ул": "ул.", "улица": "улица", "пр-т": "пр-т", "просп": "просп.", "проспект": "проспект", "пр": "пр.",
    "пер": "пер.", "переулок": "переулок", "ш": "ш.", "шоссе": "шоссе", "б-р": "б-р", "бул": "бул.",
    "бульвар": "бульвар", "наб": "наб.", "набережная": "набережная", "пл": "пл.", "площадь": "площадь",
    "проезд": "проезд", "пр-д": "пр-д", "туп": "туп.", "тупик": "тупик", "мкр": "мкр.", "мкрн": "мкрн.",
    "микрорайон": "микрорайон", "аллея": "аллея", "линия": "линия", "кв-л": "кв-л", "квартал": "квартал",
    "тракт": "тракт", "а/я": "а/я",
}
# Street words also written after the name: «Ленинский проспект», «Фасадная улица», «Можайское ш.».
_STREET_SUFFIX = {
    key: value for key, value in _STREET_PREFIX.items()
    if key not in {"мкр", "мкрн", "микрорайон", "кв-л", "квартал", "а/я"}
}
_HOUSE_PREFIX = {
    "д": "д.", "дом": "дом", "влд": "влд.", "владение": "владение", "зд": "зд.", "здание": "здание",
    "уч": "уч.", "участок": "участок",
}
_HOUSE_PART = {
    "корп": "корп.", "корпус": "корпус", "к": "корп.", "стр": "стр.", "строение": "строение",
    "лит": "лит.", "литера": "литера", "соор": "соор.", "сооружение": "сооружение",
}
_ROOM_PREFIX = {
    "кв": "кв.", "квартира": "кв.", "пом": "пом.", "помещение": "помещение", "оф": "оф.", "офис": "офис",
    "комн": "комн.", "комната": "комната", "ком": "ком.", "каб": "каб.", "кабинет": "кабинет",
}
_ALL_KEYWORDS = (_REGION_PREFIX, _REGION_SUFFIX, _DISTRICT_SUFFIX, _DISTRICT_PREFIX, _PLACE_PREFIX, _STREET_PREFIX,
                 _HOUSE_PREFIX, _HOUSE_PART, _ROOM_PREFIX)
# Federal cities are a region and a settlement at once (Конституция РФ, ст. 65).
FEDERAL_CITIES = ("Москва", "Санкт-Петербург", "Севастополь")

_INDEX = re.compile(r"(?<!\d)\d{6}(?!\d)")
# Adjectives in the nominative and the genitive («Красносельского р-на», «Ярославской обл.»).
_ADJECTIVE = re.compile(r"(?:ий|ый|ой|ая|яя|ое|ее|ья|ые|ие|ого|его|ей)$", re.IGNORECASE)
# «100-25», «5/2», «12А», «12 А», «7к2»: a house, perhaps with the flat after a dash.
_NUMBER = re.compile(r"^\d+[\w/.]*$")
_HOUSE_ROOM = re.compile(r"^(?P<house>\d+[А-Яа-яA-Za-z]?(?:/\d+[А-Яа-яA-Za-z]?)?)-(?P<room>\d+[А-Яа-я]?)$")
_TRAILING_NUMBER = re.compile(r"^(?P<head>.*?\D)\s+(?P<number>\d+\S*(?:\s+[А-Яа-я])?)$")
# «ул.Ленина», «д.5», «кв.12»: a dot glued to the next word.
_GLUED_DOT = re.compile(r"(?<=[А-Яа-яЁё])\.(?=[А-Яа-яЁё0-9])")
# «д5», «кв12», «корп2» typed without a space or dot.
_GLUED_NUMBER = re.compile(r"(?<![А-Яа-яЁё])(д|дом|кв|к|корп|стр|оф|пом|комн)(?=\d)", re.IGNORECASE)
# «городской округ Химки», «Одинцовский городской округ», «муниципальный район …»: a district, not a region.
_DISTRICT_WORDS = {"городской", "муниципальный", "гор.округ", "г.о", "м.о"}
# A region whose kind is not the first or last word: «Ханты-Мансийский автономный округ — Югра».
_REGION_WORDS = {"обл", "область", "край", "округ", "ао"}


def _key(token: str) -> str:
    return token.lower().rstrip(".").replace("ё", "ё")


def _is_word(token: str) -> bool:
    return bool(re.search(r"[А-Яа-яЁёA-Za-z]", token))


def _is_keyword(token: str) -> bool:
    key = _key(token)
    return any(key in table for table in _ALL_KEYWORDS)


def _is_adjective(token: str) -> bool:
    return _is_word(token) and not re.search(r"\d", token) and bool(_ADJECTIVE.search(token.rstrip(".")))


def _prefix_kind(tokens: list[str], i: int) -> str | None:
    """The kind of part that token ``i`` starts, or None."""
    key = _key(tokens[i])
    following = tokens[i + 1] if i + 1 < len(tokens) else ""
    if not following:
        return None
    starts_with_digit = following[:1].isdigit()
    if key in _ROOM_PREFIX and starts_with_digit:
        return "room"
    if key in _HOUSE_PREFIX and starts_with_digit:
        return "house"
    if key in _HOUSE_PART and (starts_with_digit or key in {"лит", "литера"}):
        return "house_part"
    if key in {"д", "дер", "деревня"} and not starts_with_digit:
        return "place"
    if key in _STREET_PREFIX and (key != "пр" or not starts_with_digit):
        return "street"
    if key in _PLACE_PREFIX and not starts_with_digit and key not in {"к", "д"}:
        return "place"
    if key in _REGION_PREFIX:
        return "region"
    if key in _DISTRICT_PREFIX and not starts_with_digit:
        return "district"
    return None


def _suffix_kind(token: str) -> str | None:
    key = _key(token)
    if key in _REGION_SUFFIX:
        return "region"
    if key in _DISTRICT_SUFFIX:
        return "district"
    if key in _STREET_SUFFIX:
        return "street"
    return None


def _tokens(address: str) -> list[list[str]]:
    """The address as comma-separated pieces of whitespace-separated tokens."""
    text = _GLUED_DOT.sub(". ", address.replace("\n", ", ").replace(";", ","))
    text = _GLUED_NUMBER.sub(r"\1 ", text)
    return [piece.split() for piece in text.split(",") if piece.split()]


def _split(piece: list[str]) -> list[list[str]]:
    """Split a piece typed without commas before prefix keywords and after suffix ones."""
    segments: list[list[str]] = []
    current: list[str] = []
    for i, token in enumerate(piece):
        suffix = _suffix_kind(token)
        prefix = _prefix_kind(piece, i)
        # «Московская обл.», «Ленинский проспект»: the keyword closes the adjective(s) before it.
        if suffix and current and _is_adjective(current[-1]) and not _is_keyword(current[-1]):
            taken = [current.pop()]
            if current and _is_adjective(current[-1]) and suffix in {"region", "district"}:
                taken.insert(0, current.pop())  # «Ханты-Мансийский автономный округ», «… муниципальный район»
            if current:
                segments.append(current)
            current = [*taken, token]
            continue
        following = piece[i + 1] if i + 1 < len(piece) else ""
        # «Победы пр-т 100-25», «Ленина ул. 5»: a street word after a name that is not an adjective,
        # told from a prefix by the house number (or nothing) after it.
        if (prefix == "street" and suffix and current and _is_word(current[-1]) and not _is_keyword(current[-1])
                and (not following or following[:1].isdigit())):
            taken = [current.pop()]
            if current:
                segments.append(current)
            current = [*taken, token]
            continue
        # «ул Ленина 10 Пермь»: a name after the house number starts a new part (not «ул. 8 Марта»).
        if (current and len(current) >= 3 and _NUMBER.match(current[-1]) and token[:1].isupper()
                and prefix is None and suffix is None and _key(current[0]) in _STREET_PREFIX):
            segments.append(current)
            current = []
        # A keyword right after another («ул. Набережная …») is the name, not a new part.
        if prefix and current and not (len(current) == 1 and _is_keyword(current[0])):
            segments.append(current)
            current = []
        current.append(token)
    if current:
        segments.append(current)
    return segments


def _spell(token: str, table: dict[str, str]) -> str:
    """The keyword as printed: the dot added to an abbreviation typed without one."""
    key = _key(token)
    if key not in table:
        return token
    spelled = table[key]
    if spelled.endswith(".") and not token.endswith("."):
        return token + "." if token[:1].isupper() else spelled
    return token if token.endswith(".") or not spelled.endswith(".") else spelled


class _Parts:
    def __init__(self) -> None:
        self.region: list[str] = []
        self.district: list[str] = []
        self.place: list[str] = []
        self.street: list[str] = []
        self.house: list[str] = []
        self.room: list[str] = []
        self.federal = ""  # a federal city typed: the region too, unless a region was typed

    def has_house_number(self) -> bool:
        return any(piece[:1].isdigit() for piece in self.house)

    def add_house(self, number: str) -> None:
        """The house's number goes before its corpus or building typed earlier: «8, корп. 2»."""
        if self.has_house_number():
            self.house.append(number)
        else:
            self.house.insert(0, number)

    def add_number(self, text: str) -> None:
        """A bare number: the house, then the flat; «100-25» is both."""
        match = _HOUSE_ROOM.match(text)
        if match and not self.has_house_number() and not self.room:
            self.add_house(match["house"])
            self.room.append(match["room"])
        elif not self.has_house_number():
            self.add_house(text)
        else:
            self.room.append(text)

    def add_street(self, text: str) -> None:
        """A street, perhaps with its house (and flat) after it: «проспект Победы 100-25»."""
        match = _TRAILING_NUMBER.match(text)
        number = match["number"].split()[0] if match else ""
        if match and not self.has_house_number() and (_NUMBER.match(number) or _HOUSE_ROOM.match(number)):
            self.street.append(match["head"])
            self.add_number(match["number"])
        else:
            self.street.append(text)


def _federal(name: str) -> str:
    """The federal city that ``name`` spells (any case, «СПб»), or ""."""
    name = _CITY_ALIASES.get(name.lower(), name)
    return next((city for city in FEDERAL_CITIES if city.lower() == name.lower()), "")


def _place_piece(parts: _Parts, segment: list[str]) -> None:
    first = segment[0]
    rest = " ".join(segment[1:])
    kind = _prefix_kind(segment, 0) if len(segment) > 1 else None
    last_kind = _suffix_kind(segment[-1]) if len(segment) > 1 else None
    text = " ".join(segment)
    if kind == "room":
        key = _key(first)
        parts.room.append(rest if key in {"кв", "квартира"} else f"{_spell(first, _ROOM_PREFIX)} {rest}")
    elif kind == "house":
        match = _HOUSE_ROOM.match(rest)
        if _key(first) in {"д", "дом"} and match and not parts.room:
            parts.add_house(match["house"])
            parts.room.append(match["room"])
        elif _key(first) in {"д", "дом"}:
            parts.add_house(rest)
        else:
            parts.house.append(f"{_spell(first, _HOUSE_PREFIX)} {rest}")
    elif kind == "house_part":
        parts.house.append(f"{_spell(first, _HOUSE_PART)} {rest}")
    elif kind == "place":
        name = rest
        if _key(first) in {"г", "город", "гор"} and _federal(name):
            parts.federal = parts.federal or f"г. {_federal(name)}"
            parts.place.append(f"г. {_federal(name)}")
        else:
            parts.place.append(f"{_spell(first, _PLACE_PREFIX)} {rest}")
    elif kind == "street" and _key(first) == "а/я":
        parts.street.append(f"а/я {rest}")  # a post-office box: its number is not a house
    elif kind == "street":
        parts.add_street(f"{_spell(first, _STREET_PREFIX)} {rest}")
    elif kind == "region":
        parts.region.append(f"{_spell(first, _REGION_PREFIX)} {rest}")
    elif kind == "district":
        parts.district.append(f"{_spell(first, _DISTRICT_PREFIX)} {rest}")
    elif {_key(token) for token in segment} & _DISTRICT_WORDS and {_key(token) for token in segment} & {
            "округ", "район", "г.о", "м.о"}:
        parts.district.append(text)
    elif last_kind == "region":
        parts.region.append(" ".join([*segment[:-1], _spell(segment[-1], _REGION_SUFFIX)]))
    elif last_kind == "district":
        parts.district.append(" ".join([*segment[:-1], _spell(segment[-1], _DISTRICT_SUFFIX)]))
    elif _suffix_kind(segment[-1]) is None and len(segment) > 2 and _suffix_kind(segment[1]) == "street":
        # «Ленинский проспект 5»
        parts.add_street(" ".join([segment[0], _spell(segment[1], _STREET_SUFFIX), *segment[2:]]))
    elif last_kind == "street":
        parts.street.append(" ".join([*segment[:-1], _spell(segment[-1], _STREET_SUFFIX)]))
    elif _federal(text):
        parts.federal = parts.federal or f"г. {_federal(text)}"
        parts.place.append(f"г. {_federal(text)}")
    elif text.lower() in COUNTRY:
        pass
    elif len(segment) > 1 and {_key(token) for token in segment[1:]} & _REGION_WORDS:
        parts.region.append(text)
    elif _NUMBER.match(text) or _HOUSE_ROOM.match(text):
        parts.add_number(text)
    elif not parts.place and (not parts.street or parts.house) and not re.search(r"\d", text):
        # «Лесной городок», «Казань»: a settlement typed without its kind, before the street or after the house.
        parts.place.append(text)
    else:
        parts.add_street(text)


def parse_address(address: str, index: str = "") -> AddressParts:
    """Split a typed address into the parts of the Russian Post rules.

    ``index`` is the six-digit index stored apart; when it is empty, a six-digit
    number standing alone in the text (usually first or last) is taken for it.
    Either way such a number is taken out of the text, so it is not printed
    twice. Federal cities (Москва, Санкт-Петербург, Севастополь) are both the
    region and the settlement.
    """
    found = ""
    pieces: list[list[str]] = []
    for piece in _tokens(address or ""):
        kept: list[str] = []
        for token in piece:
            bare = token.strip(".")
            if _INDEX.fullmatch(bare) and not found and not kept:
                found = bare
            elif _INDEX.fullmatch(bare) and not found and token is piece[-1]:
                found = bare
            else:
                kept.append(token)
        if kept:
            pieces.append(kept)
    parts = _Parts()
    for piece in pieces:
        for segment in _split(piece):
            _place_piece(parts, segment)
    return AddressParts(
        region=", ".join(parts.region) or parts.federal,
        district=", ".join(parts.district),
        place=", ".join(parts.place),
        street=", ".join(parts.street),
        house=", ".join(parts.house),
        room=", ".join(parts.room),
        index=(index or found).strip(),
    )


def street_line(parts: AddressParts) -> str:
    """«ул. Остоженка, д. 1, кв. 2»: the street, the house and the flat on one line."""
    # «д.» before the house's number, wherever it stands among the corpus and building.
    pieces = parts.house.split(", ") if parts.house else []
    for i, piece in enumerate(pieces):
        if piece[:1].isdigit():
            pieces[i] = f"д. {piece}"
            break
    house = ", ".join(pieces)
    room = parts.room
    if room and room[:1].isdigit():
        room = f"кв. {room}"
    return ", ".join(part for part in (parts.street, house, room) if part)


def envelope_lines(party: Party) -> list[str]:
    """The addressee block in the order of the Russian Post rules: name; street, house, flat; place;
    district; region; index."""
    parts = parse_address(party.address, party.index)
    lines = [party.name.strip(), street_line(parts), parts.place, parts.district, parts.region, parts.index]
    block: list[str] = []
    for line in lines:
        if line and line not in block:  # a federal city is the place and the region: print it once
            block.append(line)
    return block
