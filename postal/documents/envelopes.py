"""Envelopes of ГОСТ Р 51506-99 and A4 sheets of address labels, as PDF.

Sizes (ГОСТ Р 51506-99, table 1, after ISO 269): DL 110 x 220 mm, C5 162 x 229,
C4 229 x 324; each envelope is one landscape page of its own size, for printers
that feed envelopes. The address side is laid out in the zones of the standard
(it follows ISO 11180 for the placing of the address zones), measured from the
top left corner:

- the sender (the institution: name, address, index) top left, 10 mm from the
  edges, at most half the width and clear of the stamp zone;
- the stamp and postmark zone top right (74 x 40 mm from the corner, inset
  10 mm), left blank for the stamp or the franking machine;
- the addressee bottom right, in the order of the Russian Post rules, its last
  line 20 mm above the bottom edge, its width at most half the envelope's
  (DL: 105 mm) and starting at the middle or right of it;
- the coded destination index («индекс места назначения») bottom left
  (ГОСТ Р 51506-99, appendix Д): a black bar over each of six cells and the
  start mark «=» before them, the nine-segment stencil digits (cells 5 x 10 mm
  on an 8 mm pitch) drawn as thick strokes over the faint template; the start
  mark 10 mm from the left edge, the cells' foot 12 mm above the bottom; the
  digits are also the last line of the addressee block;
- the bottom 15 mm under the addressee left clear for the sorting machines'
  bar code (ISO 11180's reading zone).

Which envelope: `envelope_for_sheets` (see there) with the clerk's override.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import Align

from postal.documents.address import envelope_lines
from postal.documents.pdf import SANS, fit_block, new_pdf, output
from postal.documents.types import Envelope, Party

# Width x height of the address side, landscape, in mm.
SIZES: dict[Envelope, tuple[float, float]] = {
    Envelope.DL: (220.0, 110.0),
    Envelope.C5: (229.0, 162.0),
    Envelope.C4: (324.0, 229.0),
}

# Sheets of A4 each envelope takes by default (see envelope_for_sheets).
DL_MAX_SHEETS = 5
C5_MAX_SHEETS = 10

# Weights, grams. A4 is 0.06237 m²: 80 g/m² office paper makes 4.99 g a sheet.
SHEET_GRAMS = 80 * 0.210 * 0.297
# An envelope is about 2.2 times its face in paper (two faces and the flap):
# DL and C5 of 80 g/m² paper, C4 of 100 g/m² (the common grades): 4.3, 6.5, 16.3 g, rounded up.
ENVELOPE_GRAMS: dict[Envelope, int] = {Envelope.DL: 5, Envelope.WINDOW: 5, Envelope.C5: 7, Envelope.C4: 17}


def envelope_for_sheets(sheets: int) -> Envelope:
    """The envelope a letter of ``sheets`` A4 sheets goes in by default; the clerk may choose another.

    - DL, folded in three, up to 5 sheets: 15 layers of 80 g/m² paper are about
      1.5 mm, the most that folds neatly in three and slides into a 110 mm DL;
    - C5, folded once, up to 10 sheets: 20 layers, about 2 mm, still a flat
      letter that the sorting machines take;
    - C4, flat, above 10 sheets (a letter goes as a letter up to 100 g, i.e.
      about 16 sheets in a C4; heavier is a бандероль, which the clerk sees in
      the weight).
    """
    if sheets <= DL_MAX_SHEETS:
        return Envelope.DL
    if sheets <= C5_MAX_SHEETS:
        return Envelope.C5
    return Envelope.C4


def estimate_weight(sheets: int, envelope: Envelope) -> int:
    """Grams: the sheets of A4 80 g/m² (4.99 g each) and the envelope's own weight, rounded up."""
    return math.ceil(max(sheets, 0) * SHEET_GRAMS) + ENVELOPE_GRAMS[envelope]


# --- The coded index -------------------------------------------------------
# The stencil cell is two squares one above the other: corners TL, TR, ML, MR, BL, BR.
_POINTS = {"TL": (0, 0), "TR": (1, 0), "ML": (0, 1), "MR": (1, 1), "BL": (0, 2), "BR": (1, 2)}
_TEMPLATE = [("TL", "TR"), ("TR", "MR"), ("MR", "BR"), ("BL", "BR"), ("ML", "BL"), ("TL", "ML"),
             ("ML", "MR"), ("TR", "ML"), ("MR", "BL")]
# Each digit as the template's strokes (ГОСТ Р 51506-99, the index template; the Post's sample).
STENCIL: dict[str, list[tuple[str, str]]] = {
    "0": [("TL", "TR"), ("TR", "MR"), ("MR", "BR"), ("BL", "BR"), ("ML", "BL"), ("TL", "ML")],
    "1": [("TR", "ML"), ("TR", "MR"), ("MR", "BR")],
    "2": [("TL", "TR"), ("TR", "MR"), ("MR", "BL"), ("BL", "BR")],
    "3": [("TL", "TR"), ("TR", "ML"), ("ML", "MR"), ("MR", "BR"), ("BL", "BR")],
    "4": [("TL", "ML"), ("ML", "MR"), ("TR", "MR"), ("MR", "BR")],
    "5": [("TL", "TR"), ("TL", "ML"), ("ML", "MR"), ("MR", "BR"), ("BL", "BR")],
    "6": [("TR", "ML"), ("ML", "BL"), ("BL", "BR"), ("MR", "BR"), ("ML", "MR")],
    "7": [("TL", "TR"), ("TR", "ML"), ("ML", "BL")],
    "8": [("TL", "TR"), ("TR", "MR"), ("MR", "BR"), ("BL", "BR"), ("ML", "BL"), ("TL", "ML"), ("ML", "MR")],
    "9": [("TL", "TR"), ("TR", "MR"), ("TL", "ML"), ("ML", "MR"), ("MR", "BL")],
}
CELL_W, CELL_H, CELL_PITCH = 5.0, 10.0, 8.0


def _stroke(pdf: FPDF, x: float, y: float, a: str, b: str) -> None:
    (ax, ay), (bx, by) = _POINTS[a], _POINTS[b]
    half = CELL_H / 2
    pdf.line(x + ax * CELL_W, y + ay * half, x + bx * CELL_W, y + by * half)


BAR_W, BAR_H, BAR_GAP = 6.0, 2.0, 1.5


def draw_coded_index(pdf: FPDF, index: str, x: float, y: float) -> None:
    """The coded index block with its first cell at (x, y): the marks, the faint template, the digits.

    As the sorting machines look for it: a black bar above each of the six
    cells and, one pitch to the left of the first, the start mark «=» (a bar
    like the others with a bar half as thick under it); the nine-segment
    template of each cell faint and dashed; the digits of ``index`` drawn over
    it in thick strokes (left blank for the pen when there is no index).
    """
    pdf.set_fill_color(0, 0, 0)
    bar_y = y - BAR_GAP - BAR_H
    for cell in range(-1, 6):
        pdf.rect(x + cell * CELL_PITCH + (CELL_W - BAR_W) / 2, bar_y, BAR_W, BAR_H, style="F")
    pdf.rect(x - CELL_PITCH + (CELL_W - BAR_W) / 2, bar_y + BAR_H + 1.0, BAR_W, BAR_H / 2, style="F")
    pdf.set_draw_color(170, 170, 170)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=0.6, gap=0.6)
    for cell in range(6):
        for a, b in _TEMPLATE:
            _stroke(pdf, x + cell * CELL_PITCH, y, a, b)
    pdf.set_dash_pattern()
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.8)
    digits = index if len(index) == 6 and index.isdigit() else ""
    for cell, digit in enumerate(digits):
        for a, b in STENCIL[digit]:
            _stroke(pdf, x + cell * CELL_PITCH, y, a, b)
    pdf.set_line_width(0.2)
    pdf.set_font(SANS, "", 6)
    pdf.set_xy(x, y + CELL_H + 0.8)
    pdf.cell(6 * CELL_PITCH, 2.5, "Индекс места назначения", align=Align.L)


# --- Envelopes --------------------------------------------------------------
def _draw_envelope(pdf: FPDF, envelope: Envelope, sender: Party, addressee: Party) -> None:
    width, height = SIZES[envelope]
    large = envelope is Envelope.C4
    margin = 10.0
    stamp_w, stamp_h = 74.0, 40.0
    # The sender, top left, clear of the stamp zone.
    sender_w = min(width / 2 - margin, width - 2 * margin - stamp_w - 5)
    fit_block(pdf, ["От кого:", *envelope_lines(sender)], x=margin, y=margin, width=sender_w,
              max_height=min(height / 2 - margin - 5, 45.0), sizes=(11, 10, 9, 8) if large else (9, 8, 7, 6.5))
    # The addressee, bottom right, its last line 20 mm above the bottom edge.
    block_w = min(width / 2, 120.0 if large else 105.0)
    block_x = width - margin - block_w
    block_bottom = height - 20.0
    block_top = max(margin + stamp_h + 5, height / 2 - (15 if not large else 25))
    lines = envelope_lines(addressee)
    fit_block(pdf, ["Кому:", *lines], x=block_x, y=block_top, width=block_w, max_height=block_bottom - block_top,
              sizes=(15, 14, 13, 12, 11) if large else (13, 12, 11, 10, 9, 8), bottom=True)
    # The coded index bottom left (its start mark at the margin), clear of the bar-code zone under the addressee.
    draw_coded_index(pdf, addressee.index.strip(), margin + CELL_PITCH, height - 12.0 - CELL_H - 3.5)


def render_envelope(envelope: Envelope, *, sender: Party, addressee: Party) -> bytes:
    """One page of the envelope's size (PDF); ValueError for Envelope.WINDOW."""
    return render_envelopes([(envelope, addressee)], sender=sender)


def render_envelopes(items: Sequence[tuple[Envelope, Party]], *, sender: Party) -> bytes:
    """Many envelopes in one PDF, a page each of its own size, in the order given; ValueError for a WINDOW.

    The same pages as `render_envelope` one by one, several times faster for a
    batch: the font is read and embedded once for the whole document instead
    of once an envelope (about 50 ms each).
    """
    for envelope, _addressee in items:
        if envelope not in SIZES:
            raise ValueError(f"{envelope} needs no printed envelope: the letter's address shows through the window")
    first = SIZES[items[0][0]] if items else SIZES[Envelope.DL]
    pdf = new_pdf(*first, title="Конверты" if len(items) != 1 else f"Конверт {items[0][0].name}")
    for envelope, addressee in items:
        width, height = SIZES[envelope]
        pdf.add_page(orientation="L", format=(height, width))
        _draw_envelope(pdf, envelope, sender, addressee)
    return output(pdf)


# --- Labels -----------------------------------------------------------------
LABEL_COLUMNS, LABEL_ROWS = 2, 7
LABEL_W, LABEL_H = 105.0, 42.3  # 2 x 7 on A4 (e.g. Avery L7160-type sheets of 105 x 42.3 mm)
LABEL_TOP = (297.0 - LABEL_ROWS * LABEL_H) / 2  # 0.45 mm: the sheet's spare height split top and bottom
LABEL_PAD = 5.0


def render_labels(*, sender: Party, addressees: Sequence[Party]) -> bytes:
    """A4 sheets of address labels (2 x 7, 105 x 42.3 mm), as many pages as needed.

    Each label carries the sender on a small line at the top, then the
    addressee block in the order of the Russian Post rules, its index last.
    """
    pdf = new_pdf(210.0, 297.0, title="Адресные наклейки")
    per_page = LABEL_COLUMNS * LABEL_ROWS
    sender_line = "От: " + ", ".join(envelope_lines(sender))
    for number, addressee in enumerate(addressees):
        if number % per_page == 0:
            pdf.add_page()
        slot = number % per_page
        x = (slot % LABEL_COLUMNS) * LABEL_W + LABEL_PAD
        y = LABEL_TOP + (slot // LABEL_COLUMNS) * LABEL_H + 3.0
        inner_w = LABEL_W - 2 * LABEL_PAD
        used = fit_block(pdf, [sender_line], x=x, y=y, width=inner_w, max_height=6.0, sizes=(6.5, 6, 5.5, 5))
        top = y + used + 1.0
        fit_block(pdf, envelope_lines(addressee), x=x, y=top, width=inner_w,
                  max_height=LABEL_TOP + (slot // LABEL_COLUMNS + 1) * LABEL_H - 3.0 - top,
                  sizes=(11, 10, 9, 8, 7, 6.5))
    if not addressees:
        pdf.add_page()
    return output(pdf)
