"""The fast text measuring and writing of the postal documents gives what fpdf2's own calls give.

postal.documents.pdf measures words with the font's glyph widths and writes
lines with text() instead of cell() (the batch's envelopes and lists spent most
of their time in fpdf2's per-call overhead); these tests hold the two to the
same numbers and the same places on the page.
"""

from __future__ import annotations

import pytest
from fpdf.enums import Align

from postal.documents.pdf import SANS, new_pdf, output, text_width, write_lines
from tests.postal.documents.conftest import fragments

SAMPLES = ["", " ", "Ивановой Марии Петровне", "г. Тула, ул. Ленина, д. 5, кв. 12", "300001", "«Кому:» — №"]


@pytest.mark.parametrize("size", [6, 9, 11.5, 14])
def test_text_width_is_fpdfs_string_width(size):
    pdf = new_pdf(210, 297, title="t", bold=True)
    for style in ("", "B"):
        pdf.set_font(SANS, style, size)
        for text in SAMPLES:
            assert text_width(pdf, text) == pytest.approx(pdf.get_string_width(text), abs=1e-9)


@pytest.mark.parametrize("align", [Align.L, Align.C, Align.R])
def test_write_lines_puts_each_line_where_a_cell_would(align):
    lines = SAMPLES[2:]

    def render(fast: bool) -> list[tuple[str, float, float]]:
        pdf = new_pdf(210, 297, title="t")
        pdf.add_page()
        pdf.set_font(SANS, "", 10)
        if fast:
            write_lines(pdf, lines, x=30, y=40, width=90, height=4.5, align=align)
        else:
            y = 40.0
            for line in lines:
                pdf.set_xy(30, y)
                pdf.cell(90, 4.5, line, align=align)
                y += 4.5
        return [(piece.text, round(piece.x, 2), round(piece.y, 2)) for piece in fragments(output(pdf))]

    assert render(True) == render(False)
