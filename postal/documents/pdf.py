"""What the postal documents share: an fpdf2 document with the shipped PT fonts, and a block that fits its box."""

from __future__ import annotations

import datetime as dt
import io
import logging

from fpdf import FPDF
from fpdf.enums import Align
from pypdf import PdfReader

from letters.pdf import FONT_DIR

# fontTools reports every table it subsets at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

SANS = "PTSans"
FIXED_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def new_pdf(width: float, height: float, *, title: str, bold: bool = False) -> FPDF:
    """A document whose pages are ``width`` x ``height`` mm, with PT Sans embedded (subset), no automatic breaks.

    The bold face is registered only when asked for: fpdf2 subsets and embeds
    every registered font, used or not, and that is most of a page's time.
    """
    orientation = "L" if width > height else "P"
    pdf = FPDF(orientation=orientation, unit="mm", format=(min(width, height), max(width, height)))
    pdf.add_font(SANS, "", str(FONT_DIR / "PTSans-Regular.ttf"))
    if bold:
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


def text_width(pdf: FPDF, text: str) -> float:
    """The width of ``text`` in mm in the current font: what get_string_width returns, without its overhead.

    get_string_width builds styled fragments and copies the graphics state on
    every call (about 0.25 ms); the postal documents measure every word of
    every address, set no character spacing or stretching and shape no text,
    so the sum of the glyph widths is the same number (tests/postal/documents/
    test_layout_speed.py compares the two).
    """
    font = pdf.current_font
    assert font is not None
    return float(font.get_text_width(text, pdf.font_size_pt, None)[1]) / pdf.k


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` mm in the current font, at spaces (a longer word at letters).

    fpdf2's own line breaker measures the line again for every character it
    adds, which makes a list of a thousand addresses take a quarter of a minute;
    measuring each word once is exact here, as fpdf2 applies no kerning.
    """
    space = text_width(pdf, " ")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for word in paragraph.split(" "):
            word_w = text_width(pdf, word)
            while word_w > width and len(word) > 1:  # a word wider than the cell: cut it where it must
                cut = len(word) - 1
                while cut > 1 and text_width(pdf, word[:cut]) > width:
                    cut -= 1
                if line:
                    lines.append(" ".join(line))
                    line, used = [], 0.0
                lines.append(word[:cut])
                word = word[cut:]
                word_w = text_width(pdf, word)
            if line and used + space + word_w > width:
                lines.append(" ".join(line))
                line, used = [], 0.0
            used += (space if line else 0.0) + word_w
            line.append(word)
        lines.append(" ".join(line))
    return lines


def line_count(pdf: FPDF, width: float, text: str) -> int:
    """How many lines ``text`` takes in a cell of ``width`` mm in the current font."""
    return len(wrap(pdf, text, width))


def write_lines(pdf: FPDF, lines: list[str], *, x: float, y: float, width: float, height: float,
                align: Align = Align.L) -> float:
    """Write the (already wrapped) lines one under another from (x, y); return the y below them.

    Each line goes where ``cell(width, height, line, align=align)`` would put it
    (the baseline at half the height plus 0.3 of the font size, no cell margin),
    written with ``text()``: a cell lays its text out again, about 1 ms a line,
    most of an envelope's time.
    """
    for line in lines:
        if line:
            shift = 0.0
            if align in (Align.C, Align.R):
                spare = width - text_width(pdf, line)
                shift = spare / 2 if align == Align.C else spare
            pdf.text(x + shift, y + 0.5 * height + 0.3 * pdf.font_size, line)
        y += height
    pdf.set_xy(x, y)
    return y


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
    wrapped: list[str] = []
    height = 0.0
    for size in sizes:
        height = size * 0.45  # line height in mm: 1.28 x the size in points
        pdf.set_font(SANS, style, size)
        wrapped = wrap(pdf, text, width)
        if len(wrapped) * height <= max_height:
            break
    total = len(wrapped) * height
    top = y + max_height - total if bottom and total < max_height else y
    write_lines(pdf, wrapped, x=x, y=top, width=width, height=height, align=align)
    return total


def output(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


def page_count(pdf: bytes) -> int:
    """The number of pages (sheets of a letter printed one-sided) of a PDF."""
    return len(PdfReader(io.BytesIO(pdf)).pages)
