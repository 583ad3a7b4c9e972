"""What the postal documents share: an fpdf2 document with the shipped PT fonts, and a block that fits its box."""

from __future__ import annotations

import datetime as dt
import io
import logging
from typing import cast

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from pypdf import PdfReader

from letters.pdf import FONT_DIR

# fontTools reports every table it subsets at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

SANS = "PTSans"
FIXED_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def new_pdf(width: float, height: float, *, title: str) -> FPDF:
    """A document whose pages are ``width`` x ``height`` mm, with PT Sans embedded (subset), no automatic breaks."""
    orientation = "L" if width > height else "P"
    pdf = FPDF(orientation=orientation, unit="mm", format=(min(width, height), max(width, height)))
    pdf.add_font(SANS, "", str(FONT_DIR / "PTSans-Regular.ttf"))
    pdf.add_font(SANS, "B", str(FONT_DIR / "PTSans-Bold.ttf"))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.c_margin = 0
    pdf.set_lang("ru")
    pdf.set_creator("appeals portal")
    pdf.set_title(title)
    # A fixed date keeps the bytes of a document the same when it is rendered again (a reprint).
    pdf.set_creation_date(FIXED_DATE)
    return pdf


def line_count(pdf: FPDF, width: float, height: float, text: str) -> int:
    lines = pdf.multi_cell(width, height, text, dry_run=True, output="LINES")
    return len(cast(list[str], lines))


def fit_block(
    pdf: FPDF,
    lines: list[str],
    *,
    x: float,
    y: float,
    width: float,
    max_height: float,
    sizes: tuple[float, ...],
    style: str = "",
    bottom: bool = False,
    align: Align = Align.L,
) -> float:
    """Write ``lines`` in the largest of ``sizes`` (pt) that fits ``width`` x ``max_height``; return the height.

    The smallest size is used if none fits: a long address is never cut. With
    ``bottom`` the block's last line sits on ``y + max_height`` (the addressee
    block bottom right on an envelope).
    """
    text = "\n".join(lines)
    size, height = sizes[-1], sizes[-1] * 0.45
    for size in sizes:
        height = size * 0.45  # line height in mm: 1.28 x the size in points
        pdf.set_font(SANS, style, size)
        if line_count(pdf, width, height, text) * height <= max_height:
            break
    pdf.set_font(SANS, style, size)
    total = line_count(pdf, width, height, text) * height
    top = y + max_height - total if bottom and total < max_height else y
    pdf.set_xy(x, top)
    pdf.multi_cell(width, height, text, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)
    return total


def output(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


def page_count(pdf: bytes) -> int:
    """The number of pages (sheets of a letter printed one-sided) of a PDF."""
    return len(PdfReader(io.BytesIO(pdf)).pages)
