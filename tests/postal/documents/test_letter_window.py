"""Issue 9 item 8: on a postal letter the addressee block lies inside the window of a DL window envelope.

The DL/O window (ГОСТ Р 7.0.97, the window envelope's layout) is 95 x 55 mm,
5 mm from the top and the right edge of the A4 sheet: x 110-205, y 5-60 mm.
letters.pdf places the block at x 112-200, y 20-58 and shrinks the type when
it would not fit; this test reads the letter back and measures every line.
"""

from __future__ import annotations

import datetime as dt
import functools
from types import SimpleNamespace

import pytest
from fpdf import FPDF

from letters.pdf import FONT, FONT_DIR, render_official_letter
from postal.documents import envelope_lines
from tests.postal.documents.conftest import ADDRESSEE, LONG_ADDRESSEE, fragments, save_png

WINDOW_LEFT, WINDOW_RIGHT, WINDOW_TOP, WINDOW_BOTTOM = 110.0, 205.0, 5.0, 60.0

INSTITUTION = SimpleNamespace(
    full_name="Федеральное государственное бюджетное образовательное учреждение высшего образования "
              "«Московский государственный лингвистический университет»",
    full_postal_address="119034, г. Москва, ул. Остоженка, д. 38",
    phone="+7 499 245-30-02",
    email="info@example.org",
    website="https://example.org",
)


def _letter(lines: list[str]) -> bytes:
    return render_official_letter(
        institution=INSTITUTION, outgoing_number="01-12/345", outgoing_date=dt.date(2026, 3, 10),
        appeal_number="ОГ-2026-000042", appeal_date=dt.date(2026, 3, 3), addressee_lines=lines,
        title="Ответ на обращение", body="Уважаемая Мария Петровна!\n\nТекст ответа.",
        signer_position="Проректор", signer_name="И. И. Петров",
    )


@functools.cache
def _measure() -> FPDF:
    pdf = FPDF(unit="mm")
    pdf.add_font(FONT, "", str(FONT_DIR / "PTSerif-Regular.ttf"))
    return pdf


def _width_mm(text: str, size: float) -> float:
    pdf = _measure()
    pdf.set_font(FONT, "", size)
    return pdf.get_string_width(text)


@pytest.mark.parametrize("addressee", [ADDRESSEE, LONG_ADDRESSEE], ids=["usual", "long"])
def test_the_addressee_block_of_a_letter_lies_inside_the_dl_window(addressee):
    lines = envelope_lines(addressee)
    pdf = _letter(lines)
    right_half = [piece for piece in fragments(pdf) if piece.x > 105 and piece.y < 70]
    printed = " ".join(piece.text for piece in right_half)
    for line in lines:
        for word in line.split():
            assert word in printed, word
    for piece in right_half:
        ascent = piece.size * 0.75 * 25.4 / 72  # the top of the capitals above the baseline
        assert piece.x >= WINDOW_LEFT, piece
        assert piece.x + _width_mm(piece.text, piece.size) <= WINDOW_RIGHT, piece
        assert piece.y - ascent >= WINDOW_TOP and piece.y <= WINDOW_BOTTOM, piece
    save_png(pdf, f"letter-window-{'long' if addressee is LONG_ADDRESSEE else 'usual'}")


def test_nothing_else_of_the_letter_shows_through_the_window():
    pdf = _letter(envelope_lines(ADDRESSEE))
    addressee_text = " ".join(envelope_lines(ADDRESSEE))
    for piece in fragments(pdf):
        inside = WINDOW_LEFT <= piece.x <= WINDOW_RIGHT and WINDOW_TOP <= piece.y <= WINDOW_BOTTOM
        if inside:
            assert piece.text in addressee_text, piece
