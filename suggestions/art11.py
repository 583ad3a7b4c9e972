"""Possible article 11 cases (issue 12, item 4): flags shown to the registrar, never a decision.

Each check says why it fired; a near miss does not fire: a link inside a
real request, «я это так не оставлю» without a threat, a court decision
mentioned as a fact and not challenged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _

from appeals.models import Art11Case
from suggestions.models import ScreeningWord


@dataclass(frozen=True)
class Flag:
    case: str
    reason: str


_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:ru|рф|su|com|org|net)(?:/\S*)?", re.IGNORECASE)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)
_LETTER = re.compile(r"[a-zа-яё]", re.IGNORECASE)
_WORD = re.compile(r"[a-zа-яё0-9]+", re.IGNORECASE)
# What a text that only points elsewhere says besides the pointer.
_POINTER = re.compile(
    r"\b(?:см(?:отрите|\.)?|смотри|прошу|просим|рассмотреть|ознакомиться|прочитать|прочтите|текст|суть|"
    r"обращени[еяю]|жалоб[аыу]|заявлени[еяю]|изложен[аоы]?|во?|на|по|к|и|с|моё|мое|моя|мой|"
    r"приложени[еияю]|приложенн\w*|вложени[еияю]|вложенн\w*|файл\w*|документ\w*|прикреплен\w*|"
    r"ссылк[аеу]|сайт\w*|странице|здесь|тут|далее|подробно|подробнее|всё|все|пожалуйста)\b",
    re.IGNORECASE,
)
_ATTACHMENT = re.compile(r"\b(?:приложени|вложени|вложенн|приложенн|прикреплен|файл)", re.IGNORECASE)
# Art. 11 part 2: a court's act, and a word that challenges it, close together.
_COURT = re.compile(r"\b(?:суд\w*|приговор\w*|апелляц\w*|кассац\w*)", re.IGNORECASE)
_CHALLENGE = re.compile(
    r"\b(?:обжал\w*|отмен\w*|пересмотр\w*|пересмотре\w*|не\s+соглас\w*|несоглас\w*|незаконн\w*|"
    r"неправосудн\w*|несправедлив\w*|оспор\w*|оспарив\w*)",
    re.IGNORECASE,
)
COURT_WINDOW = 60  # characters between the two: within one sentence
MIN_CONTENT_WORDS = 3
MIN_LETTERS = 12


def _letters(text: str) -> list[str]:
    return _LETTER.findall(text)


def latin_only(text: str) -> Flag | None:
    letters = _letters(_URL.sub(" ", text))
    if len(letters) >= MIN_LETTERS and not _CYRILLIC.search(text):
        return Flag(Art11Case.NO_ESSENCE, _("текст написан только латинскими буквами"))
    return None


def all_capitals(text: str) -> Flag | None:
    letters = _letters(_URL.sub(" ", text))
    if len(letters) >= MIN_LETTERS * 2 and sum(letter.isupper() for letter in letters) / len(letters) > 0.9:
        return Flag(Art11Case.NO_ESSENCE, _("текст написан только заглавными буквами"))
    return None


def pointer_only(text: str) -> Flag | None:
    """Only a link, or only a reference to an attachment (art. 11 part 4.1, note 6 of the form)."""
    has_link = bool(_URL.search(text))
    rest = _POINTER.sub(" ", _URL.sub(" ", text))
    content = [word for word in _WORD.findall(rest) if len(word) > 2 and not word.isdigit()]
    if len(content) >= MIN_CONTENT_WORDS:
        return None
    if has_link:
        return Flag(Art11Case.NO_ESSENCE, _("в тексте только ссылка на страницу сайта"))
    if _ATTACHMENT.search(text):
        return Flag(Art11Case.NO_ESSENCE, _("в тексте только ссылка на вложение"))
    return None


def court_decision(text: str) -> Flag | None:
    for court in _COURT.finditer(text):
        start, end = max(court.start() - COURT_WINDOW, 0), court.end() + COURT_WINDOW
        # Within one sentence: cut the window at the sentence ends around the court's word.
        before = re.split(r"[.!?;]\s", text[start:court.start()])[-1]
        after = re.split(r"[.!?;]\s", text[court.end():end])[0]
        if _CHALLENGE.search(before) or _CHALLENGE.search(after):
            words = " ".join((before + court.group() + after).split())
            return Flag(Art11Case.COURT_DECISION, _("обжалуется судебное решение: «%(words)s»") % {"words": words})
    return None


def _words(text: str) -> list[str]:
    return [word.lower().replace("ё", "е") for word in _WORD.findall(text)]


# A word of the list with an ending: «идиот» finds «идиоты», «идиотами», but
# «дура» does not find «дураковедение».
MAX_ENDING = 3


Entry = tuple[int, str, str, str]  # a ScreeningWord as the matcher needs it: pk, text, match, category


def _needle(text: str) -> list[str]:
    return [part.lower().replace("ё", "е") for part in text.split()]


def _entry_pattern(text: str, match: str) -> str:
    """One entry as a regular expression over the text's words, lower-cased and joined by single spaces (_words).

    The same tests as word by word: a word with an ending of up to MAX_ENDING
    letters (prefix); the root anywhere in a word (root); consecutive words
    starting with the phrase's parts (phrase). No part holds a space, so none
    matches across two words.
    """
    needle = [re.escape(part) for part in _needle(text)]
    if match == ScreeningWord.Match.PHRASE:
        return r"(?<![^ ])" + r"[^ ]* ".join(needle)
    if match == ScreeningWord.Match.ROOT:
        return needle[0]
    return rf"(?<![^ ]){needle[0]}[^ ]{{0,{MAX_ENDING}}}(?![^ ])"


@dataclass(frozen=True)
class _Matcher:
    """The administrator's list compiled: one expression that any entry matches, and each entry's own."""

    any_entry: re.Pattern[str] | None
    entries: tuple[tuple[re.Pattern[str], str, str], ...]  # the pattern, the entry's text, its category


@lru_cache(maxsize=8)
def _compile(entries: tuple[Entry, ...]) -> _Matcher:
    compiled = [(_entry_pattern(text, match), text, category) for _pk, text, match, category in entries
                if _needle(text)]
    if not compiled:
        return _Matcher(any_entry=None, entries=())
    return _Matcher(any_entry=re.compile("|".join(f"(?:{pattern})" for pattern, _text, _label in compiled)),
                    entries=tuple((re.compile(pattern), text, category) for pattern, text, category in compiled))


def _active_entries() -> tuple[Entry, ...]:
    """The list as it is now: read on every call (a few hundred bytes), compiled only when it changed.

    Read rather than invalidated by signals: an edit by any path (the
    admin's form, a bulk update, another process) is seen at once.
    """
    return tuple(ScreeningWord.objects.filter(is_active=True).order_by("category", "text", "pk")
                 .values_list("pk", "text", "match", "category"))


def abusive(text: str, entries: Iterable[ScreeningWord] | None = None) -> Flag | None:
    """A word or phrase of the administrator's list (art. 11 part 3)."""
    key = _active_entries() if entries is None else tuple(
        (entry.pk, entry.text, entry.match, entry.category) for entry in entries)
    matcher = _compile(key)
    if matcher.any_entry is None:
        return None
    words = " ".join(_words(text))
    if not matcher.any_entry.search(words):
        return None  # most texts: one search
    found: dict[str, list[str]] = {}
    labels = dict(ScreeningWord.Category.choices)
    for pattern, entry_text, category in matcher.entries:
        if pattern.search(words):
            found.setdefault(str(labels.get(category, category)), []).append(entry_text)
    described = "; ".join(f"{category}: {', '.join(texts)}" for category, texts in found.items())
    return Flag(Art11Case.ABUSIVE, _("найдено по списку ч. 3 ст. 11 — %(found)s") % {"found": described})


def flags(text: str, entries: Iterable[ScreeningWord] | None = None) -> list[Flag]:
    """Every possible art. 11 case the text shows, one flag per check that fired."""
    checks = [latin_only(text), all_capitals(text), pointer_only(text), court_decision(text), abusive(text, entries)]
    return [flag for flag in checks if flag is not None]
