"""The plain values the postal documents are made from: frozen dataclasses, no Django model."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass


class Envelope(enum.StrEnum):
    """ГОСТ Р 51506-99 sizes, and the DL window envelope that needs no printed envelope page."""

    DL = "dl"  # 110 x 220 mm, A4 folded in three
    C5 = "c5"  # 162 x 229 mm, A4 folded in half
    C4 = "c4"  # 229 x 324 mm, A4 flat
    WINDOW = "window"  # DL window envelope: the letter's address shows through


@dataclass(frozen=True)
class Party:
    """The sender (the institution) or an addressee.

    ``name`` is as printed on the letter and the envelope (a citizen's ФИО in
    the dative, or an organisation's name). ``surname``, ``given_name`` and
    ``middle_name`` are the citizen's name in the nominative, parts apart, for
    the «Отправка» export, which wants them in separate columns; left empty,
    the export splits ``name`` (which is then taken as it is).
    """

    name: str
    address: str
    index: str = ""
    surname: str = ""
    given_name: str = ""
    middle_name: str = ""


@dataclass(frozen=True)
class AddressParts:
    """An address in the parts of the Russian Post rules, for the envelope and the «Отправка» export."""

    region: str
    district: str
    place: str
    street: str
    house: str
    room: str
    index: str


class MailClass(enum.StrEnum):
    SIMPLE = "simple"  # простое
    REGISTERED = "registered"  # заказное
    REGISTERED_NOTICE = "registered_notice"  # заказное с уведомлением о вручении


@dataclass(frozen=True)
class MailListItem:
    addressee: Party
    tracking_number: str  # ШПИ, 14 digits, or "" while not numbered
    weight: int  # grams
    notice: bool  # with a notice of delivery (уведомление о вручении)


@dataclass(frozen=True)
class MailList:
    """Russian Post form 103, «список внутренних почтовых отправлений»."""

    number: str  # unique per sender and day (postal-core numbers it)
    date: dt.date
    sender: Party
    mail_class: MailClass  # one list per class of registered items
    items: Sequence[MailListItem]
