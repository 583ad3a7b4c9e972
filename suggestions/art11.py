"""Possible article 11 cases (issue 12, item 4): flags shown to the registrar, never a decision.

Each check says why it fired; a near miss does not fire: a link inside a
real request, «я это так не оставлю» without a threat, a court decision
mentioned as a fact and not challenged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

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


def _inflected(word: str, stem: str) -> bool:
    return word.startswith(stem) and len(word) - len(stem) <= MAX_ENDING


def _phrase_at(words: list[str], i: int, needle: list[str]) -> bool:
    return all(words[i + k].startswith(needle[k]) for k in range(len(needle)))


def abusive(text: str, entries: Iterable[ScreeningWord] | None = None) -> Flag | None:
    """A word or phrase of the administrator's list (art. 11 part 3)."""
    if entries is None:
        entries = ScreeningWord.objects.filter(is_active=True)
    words = _words(text)
    found: dict[str, list[str]] = {}
    for entry in entries:
        needle = [part.lower().replace("ё", "е") for part in entry.text.split()]
        if not needle:
            continue
        if entry.match == ScreeningWord.Match.PHRASE:
            hit = any(_phrase_at(words, i, needle) for i in range(len(words) - len(needle) + 1))
        elif entry.match == ScreeningWord.Match.ROOT:
            hit = any(needle[0] in word for word in words)
        else:
            hit = any(_inflected(word, needle[0]) for word in words)
        if hit:
            found.setdefault(entry.get_category_display(), []).append(entry.text)
    if not found:
        return None
    described = "; ".join(f"{category}: {', '.join(texts)}" for category, texts in found.items())
    return Flag(Art11Case.ABUSIVE, _("найдено по списку ч. 3 ст. 11 — %(found)s") % {"found": described})


def flags(text: str, entries: Iterable[ScreeningWord] | None = None) -> list[Flag]:
    """Every possible art. 11 case the text shows, one flag per check that fired."""
    checks = [latin_only(text), all_capitals(text), pointer_only(text), court_decision(text), abusive(text, entries)]
    return [flag for flag in checks if flag is not None]
