"""Envelopes DL, C5, C4 (ГОСТ Р 51506-99): size, zones, the addressee in the Russian Post order, the coded index."""

from __future__ import annotations

import dataclasses

import pytest
from PIL import Image

from postal.documents import (
    Envelope,
    envelope_for_sheets,
    envelope_lines,
    estimate_weight,
    page_count,
    render_envelope,
    render_envelopes,
)
from postal.documents.envelopes import CELL_H, SIZES
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

PRINTED = [Envelope.DL, Envelope.C5, Envelope.C4]


@pytest.mark.parametrize("envelope", PRINTED)
def test_an_envelope_is_one_page_of_its_size_with_its_fonts_embedded(envelope):
    pdf = render_envelope(envelope, sender=SENDER, addressee=ADDRESSEE)
    assert page_count(pdf) == 1
    assert page_sizes_mm(pdf) == [{Envelope.DL: (220.0, 110.0), Envelope.C5: (229.0, 162.0),
                                   Envelope.C4: (324.0, 229.0)}[envelope]]
    used = fonts(pdf)
    assert used and all(used.values()), used


@pytest.mark.parametrize("envelope", PRINTED)
def test_the_addressee_is_bottom_right_in_the_russian_post_order_and_the_sender_top_left(envelope):
    pdf = render_envelope(envelope, sender=SENDER, addressee=ADDRESSEE)
    width, height = SIZES[envelope]
    text = text_of(pdf)
    lines = envelope_lines(ADDRESSEE)
    assert lines == ["Ивановой Марии Петровне", "ул. Фасадная, д. 8, кв. 15", "пос. Лесной городок",
                     "Одинцовский р-н", "Московская обл.", "143080"]
    # The order: name; street, house, flat; settlement; district; region; index.
    positions = [text.index(line) for line in lines]
    assert positions == sorted(positions), text
    pieces = {fragment.text: fragment for fragment in fragments(pdf)}
    for line in lines:
        fragment = pieces[line]
        assert fragment.x >= width / 2 - 10, (line, fragment)
        assert height / 2 - 25 <= fragment.y <= height - 15, (line, fragment)  # above the bar-code strip
    assert [pieces[line].y for line in lines] == sorted(pieces[line].y for line in lines)
    for fragment in fragments(pdf):
        if fragment.text in {"ул. Остоженка, д. 38", "119034"} or "Московский государственный" in fragment.text:
            assert fragment.x < width / 2 and fragment.y < height / 2 - 5, fragment


@pytest.mark.parametrize("envelope", PRINTED)
def test_a_long_address_is_all_printed_inside_the_addressee_zone(envelope):
    pdf = render_envelope(envelope, sender=SENDER, addressee=LONG_ADDRESSEE)
    width, height = SIZES[envelope]
    text = text_of(pdf)
    for word in ("Константинопольской-Преображенской", "Матросова", "корп. 4", "стр. 2", "кв. 318",
                 "Белый Яр", "Сургутский муниципальный район", "Ханты-Мансийский автономный округ — Югра",
                 "628433"):
        assert word in text, word
    below_sender = [f for f in fragments(pdf) if f.x >= width / 2 - 10]
    assert below_sender
    for fragment in below_sender:
        assert height / 2 - 30 <= fragment.y <= height - 15, fragment


def _ink(png, box: tuple[float, float, float, float], size: tuple[float, float]) -> int:
    """Dark pixels inside a box given in mm."""
    image = Image.open(png).convert("L")
    sx, sy = image.width / size[0], image.height / size[1]
    left, top, right, bottom = box
    crop = image.crop((int(left * sx), int(top * sy), int(right * sx), int(bottom * sy)))
    return sum(crop.histogram()[:100])


def test_the_coded_index_is_drawn_in_stencil_digits_bottom_left():
    size = SIZES[Envelope.DL]
    cells_top = size[1] - 12.0 - CELL_H - 3.5
    box = (17.5, cells_top - 0.3, 64.0, cells_top + CELL_H + 0.3)  # the six cells, not the marks above
    ones = save_png(render_envelope(Envelope.DL, sender=SENDER, addressee=dataclasses.replace(
        ADDRESSEE, index="111111")), "envelope-index-111111", dpi=150)
    eights = save_png(render_envelope(Envelope.DL, sender=SENDER, addressee=dataclasses.replace(
        ADDRESSEE, index="888888")), "envelope-index-888888", dpi=150)
    blank = save_png(render_envelope(Envelope.DL, sender=SENDER, addressee=dataclasses.replace(
        ADDRESSEE, index="")), "envelope-index-none", dpi=150)
    # «8» is seven strokes, «1» three; with no index only the faint template is there.
    assert _ink(eights, box, size) > 1.5 * _ink(ones, box, size) > 0
    assert _ink(blank, box, size) < _ink(ones, box, size) / 3
    # The marks above the cells and the start mark are there with or without an index.
    marks = (9.0, cells_top - 4.0, 64.0, cells_top - 1.0)
    assert _ink(blank, marks, size) == _ink(eights, marks, size) > 0


@pytest.mark.parametrize("envelope", PRINTED)
def test_the_first_page_of_each_envelope_renders_to_a_picture(envelope):
    png = save_png(render_envelope(envelope, sender=SENDER, addressee=ADDRESSEE), f"envelope-{envelope}")
    image = Image.open(png)
    width, height = SIZES[envelope]
    assert abs(image.width / image.height - width / height) < 0.02
    assert image.convert("L").getextrema()[0] < 100  # something is printed


def test_the_window_envelope_has_no_envelope_page():
    with pytest.raises(ValueError):
        render_envelope(Envelope.WINDOW, sender=SENDER, addressee=ADDRESSEE)


def test_the_envelope_is_chosen_by_the_sheets():
    assert [envelope_for_sheets(sheets) for sheets in (1, 5, 6, 10, 11, 40)] == [
        Envelope.DL, Envelope.DL, Envelope.C5, Envelope.C5, Envelope.C4, Envelope.C4]


def test_the_weight_is_the_sheets_at_five_grams_and_the_envelope():
    assert estimate_weight(1, Envelope.DL) == 5 + 5
    assert estimate_weight(3, Envelope.WINDOW) == 15 + 5
    assert estimate_weight(8, Envelope.C5) == 40 + 7
    assert estimate_weight(12, Envelope.C4) == 60 + 17
    assert estimate_weight(2, Envelope.DL) == 10 + 5  # 2 x 4.99 g rounds up to 10


def test_many_envelopes_render_in_one_document_a_page_each_of_its_size_in_order():
    other = dataclasses.replace(LONG_ADDRESSEE)
    items = [(Envelope.DL, ADDRESSEE), (Envelope.C4, other), (Envelope.C5, ADDRESSEE)]
    pdf = render_envelopes(items, sender=SENDER)
    assert page_count(pdf) == 3
    assert page_sizes_mm(pdf) == [(220.0, 110.0), (324.0, 229.0), (229.0, 162.0)]
    pages = page_texts(pdf)
    for page, (envelope, addressee) in zip(pages, items, strict=True):
        alone = text_of(render_envelope(envelope, sender=SENDER, addressee=addressee))
        assert page == alone
    assert all(fonts(pdf).values())
    with pytest.raises(ValueError):
        render_envelopes([(Envelope.DL, ADDRESSEE), (Envelope.WINDOW, ADDRESSEE)], sender=SENDER)
