"""The A4 sheet of address labels: 2 x 7 labels of 105 x 42.3 mm, as many sheets as the batch needs."""

from __future__ import annotations

import dataclasses

from PIL import Image

from postal.documents import envelope_lines, page_count, render_labels
from postal.documents.envelopes import LABEL_H, LABEL_TOP, LABEL_W
from tests.postal.documents.conftest import (
    ADDRESSEE,
    LONG_ADDRESSEE,
    SENDER,
    fonts,
    fragments,
    page_sizes_mm,
    page_texts,
    save_png,
)


def _addressees(count: int):
    return [dataclasses.replace(ADDRESSEE, name=f"Адресату № {number:02d}") for number in range(1, count + 1)]


def test_fourteen_labels_fill_a_sheet_and_the_fifteenth_starts_another():
    assert page_count(render_labels(sender=SENDER, addressees=_addressees(14))) == 1
    pdf = render_labels(sender=SENDER, addressees=_addressees(15))
    assert page_count(pdf) == 2
    assert page_sizes_mm(pdf) == [(210.0, 297.0)] * 2
    used = fonts(pdf)
    assert used and all(used.values()), used
    first, second = page_texts(pdf)
    assert "Адресату № 14" in first and "Адресату № 15" not in first
    assert "Адресату № 15" in second


def test_each_label_holds_its_addressee_in_the_russian_post_order_inside_its_cell():
    pdf = render_labels(sender=SENDER, addressees=_addressees(14))
    pieces = fragments(pdf)
    for number in range(14):
        column, row = number % 2, number // 2
        left, top = column * LABEL_W, LABEL_TOP + row * LABEL_H
        name = f"Адресату № {number + 1:02d}"
        [head] = [piece for piece in pieces if piece.text == name]
        assert left < head.x < left + LABEL_W and top < head.y < top + LABEL_H, head
        block = [piece for piece in pieces if left < piece.x < left + LABEL_W and top < piece.y < top + LABEL_H]
        texts = [piece.text for piece in block]
        lines = envelope_lines(dataclasses.replace(ADDRESSEE, name=name))
        assert [texts.index(line) for line in lines] == sorted(texts.index(line) for line in lines)
        assert texts[-1] == "143080"
        assert any(text.startswith("От: ФГБОУ ВО") for text in texts)


def test_a_long_address_is_all_on_its_label():
    pdf = render_labels(sender=SENDER, addressees=[LONG_ADDRESSEE, ADDRESSEE])
    first = [piece for piece in fragments(pdf) if piece.x < LABEL_W and piece.y < LABEL_TOP + LABEL_H]
    text = " ".join(piece.text for piece in first)
    for word in ("Константинопольской-Преображенской", "Матросова", "кв. 318", "Югра", "628433"):
        assert word in text, word
    assert all(piece.y < LABEL_TOP + LABEL_H - 1 for piece in first)


def test_a_sheet_of_labels_renders_to_a_picture():
    png = save_png(render_labels(sender=SENDER, addressees=[LONG_ADDRESSEE, *_addressees(13)]), "labels")
    image = Image.open(png)
    assert abs(image.width / image.height - 210 / 297) < 0.01
    assert image.convert("L").getextrema()[0] < 100
