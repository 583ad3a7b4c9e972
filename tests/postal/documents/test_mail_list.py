"""The registered-mail list (form 103): heading, one row per item, totals, signatures, two copies."""

from __future__ import annotations

import dataclasses
import datetime as dt

from PIL import Image

from postal.documents import MailClass, MailList, MailListItem, page_count, render_mail_list, tracking_roll
from tests.postal.documents.conftest import (
    ADDRESSEE,
    LONG_ADDRESSEE,
    SENDER,
    fonts,
    fragments,
    page_sizes_mm,
    page_texts,
    save_png,
    text_of,
)

NUMBERS = tracking_roll("14001293402154", 40)


def _list(count: int, mail_class: MailClass = MailClass.REGISTERED_NOTICE) -> MailList:
    items = [
        MailListItem(
            dataclasses.replace(ADDRESSEE, name=f"Адресату № {number:02d}") if number > 1 else LONG_ADDRESSEE,
            NUMBERS[number - 1],
            10 + number,
            number % 2 == 1,
        )
        for number in range(1, count + 1)
    ]
    return MailList("0310-2", dt.date(2026, 3, 10), SENDER, mail_class, items)


def test_the_list_carries_its_number_date_sender_class_items_and_totals():
    mail_list = _list(3)
    pdf = render_mail_list(mail_list)
    text = text_of(pdf)
    for expected in ("СПИСОК № 0310-2", "внутренних почтовых отправлений от 10.03.2026",
                     "ФГБОУ ВО «Московский государственный лингвистический университет»",
                     "119034, г. Москва, ул. Остоженка, д. 38",
                     "письмо заказное с уведомлением о вручении",
                     "№ п/п", "Адресат", "Адрес (с индексом)", "ШПИ", "Масса, г", "Уведомление",
                     "Адресату № 02",
                     "143080, Московская обл., Одинцовский р-н, пос. Лесной городок, ул. Фасадная, д. 8, кв. 15",
                     NUMBERS[0], NUMBERS[1], NUMBERS[2],
                     "Итого: отправлений 3, общая масса 36 г, с уведомлением 2", "Сдал", "Принял"):
        assert expected in text, expected
    first_copy = page_texts(pdf)[0]
    assert "Константинопольской-Преображенской" in first_copy and "628433" in first_copy
    # Each row, on one line left to right: № п/п, addressee, address, ШПИ, weight, notice (да/нет).
    pieces = fragments(pdf)
    [number] = [piece for piece in pieces if piece.text == NUMBERS[1]]
    row = sorted((piece for piece in pieces if abs(piece.y - number.y) < 0.5), key=lambda piece: piece.x)
    assert [piece.text for piece in row] == [
        "2", "Адресату № 02", "143080, Московская обл., Одинцовский р-н, пос. Лесной городок, ул.",
        NUMBERS[1], "12", "нет"]


def test_two_copies_each_from_a_new_page_on_a4_landscape_with_fonts_embedded():
    pdf = render_mail_list(_list(3))
    pages = page_texts(pdf)
    assert len(pages) == 2
    assert "Экземпляр 1" in pages[0] and "Экземпляр 2" in pages[1]
    assert all("Итого: отправлений 3" in page for page in pages)
    assert page_sizes_mm(pdf) == [(297.0, 210.0)] * 2
    used = fonts(pdf)
    assert used and all(used.values()), used


def test_a_long_list_runs_onto_more_pages_with_every_item_once_per_copy():
    pdf = render_mail_list(_list(40))
    assert page_count(pdf) >= 4
    text = text_of(pdf)
    for number in NUMBERS:
        assert text.count(number) == 2, number  # once in each copy
    assert text.count("Итого: отправлений 40, общая масса 1220 г, с уведомлением 20") == 2
    copies = [index for index, page in enumerate(page_texts(pdf)) if "Экземпляр 2" in page]
    assert copies and "Итого" in page_texts(pdf)[copies[0] - 1]


def test_a_list_of_simple_registered_items_says_so_and_an_unnumbered_item_shows_a_dash():
    mail_list = dataclasses.replace(_list(1, MailClass.REGISTERED),
                                    items=[MailListItem(ADDRESSEE, "", 12, False)])
    text = text_of(render_mail_list(mail_list))
    assert "письмо заказное" in text and "с уведомлением о вручении" not in text
    assert "— 12 нет" in text


def test_the_first_page_of_a_list_renders_to_a_picture():
    png = save_png(render_mail_list(_list(12)), "mail-list", dpi=70)
    image = Image.open(png)
    assert abs(image.width / image.height - 297 / 210) < 0.01
    assert image.convert("L").getextrema()[0] < 100
