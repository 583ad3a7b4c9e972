"""An official letter as a PDF: A4, in the form of ГОСТ Р 7.0.97-2016, with fpdf2 and the shipped PT Serif.

The layout, in millimetres from the top left corner of the sheet:

- margins 20 left, 10 right, 20 top and bottom (ГОСТ Р 7.0.97-2016, п. 5.1);
- the institution's details (the corner form) top left, 20-100 across, its
  name, postal address, phone, e-mail and site, then the letter's date and
  number «___ № ___» and the reference «На № … от …» to the appeal;
- the addressee top right, 112-200 across and 20-58 down: inside the 95 x 55
  address zone of the DL/O window envelope (law digest, section 6), so a
  letter folded in three shows the address through the window;
- the title and the text across the full 180 mm width, paragraphs justified
  with a 12.5 mm first-line indent, 13 pt, the words hyphenated (pyphen's
  Russian dictionary, soft hyphens) so that no justified line has wide gaps;
  a long text flows onto more pages;
- the signer's position on the left and the name («И. О. Фамилия», from the
  staff record) on the right under the text;
- the executor's mark (full name, phone) in small type at the foot of the last
  page; page numbers at the top, from page 2 on.

These are also the details issue 10 asks of ГОСТ Р 7.0.97-2025 (its text was
not at hand; the 2016 edition's layout is kept): tests/appeals/test_answer_gost.py.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import re
from pathlib import Path
from typing import Any, cast

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from PIL import Image
from pypdf import PdfWriter

# fontTools reports every table it subsets at INFO: a dozen lines per letter.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "PTSerif"

PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT, TOP, BOTTOM = 20.0, 10.0, 20.0, 20.0
TEXT_W = PAGE_W - LEFT - RIGHT  # 180

DETAILS_X, DETAILS_W = LEFT, 80.0
# The DL/O window: the address zone is 95 x 55 mm, 5 mm from the top and right
# edges, i.e. x 110-205, y 5-60. The block keeps inside it with a little air
# and within the page's right margin.
ADDRESS_X, ADDRESS_W = 112.0, PAGE_W - RIGHT - 112.0
ADDRESS_TOP, ADDRESS_BOTTOM = TOP, 58.0

TEXT_PT, TEXT_LINE = 13, 1.2
FIRST_LINE_INDENT = 12.5
SMALL_PT = 9


class _LetterPDF(FPDF):
    def header(self) -> None:
        # ГОСТ: pages are numbered from the second one, at the centre of the top margin.
        if self.page_no() > 1:
            self.set_font(FONT, "", 10)
            self.set_xy(LEFT, 10)
            self.cell(TEXT_W, 5, str(self.page_no()), align=Align.C)
            self.set_xy(LEFT, TOP)


def _date(value: dt.date | None) -> str:
    return f"{value:%d.%m.%Y}" if value else ""


def _new_pdf() -> _LetterPDF:
    pdf = _LetterPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONT_DIR / "PTSerif-Regular.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "PTSerif-Bold.ttf"))
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(True, margin=BOTTOM)
    pdf.c_margin = 0  # text starts exactly at the margins
    pdf.set_lang("ru")
    pdf.set_creator("appeals portal")
    return pdf


def _details_block(
    pdf: FPDF,
    institution: Any,
    *,
    outgoing_number: str | None,
    outgoing_date: dt.date | None,
    appeal_number: str | None,
    appeal_date: dt.date | None,
) -> float:
    """Draw the corner form; return the y below it."""
    pdf.set_xy(DETAILS_X, TOP)
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(DETAILS_W, 4.8, institution.full_name, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    pdf.set_font(FONT, "", 9)
    contacts = [institution.full_postal_address]
    phone = getattr(institution, "phone", "")
    phone_and_mail = (f"тел. {phone}" if phone else "", f"e-mail: {institution.email}")
    contacts.append(", ".join(part for part in phone_and_mail if part))
    contacts.append(institution.website)
    pdf.set_x(DETAILS_X)
    pdf.multi_cell(DETAILS_W, 4, "\n".join(contacts), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    # «10.03.2026 № 01-12/345»: the date and the number written over lines,
    # left blank for the registrar's pen when the letter is not registered yet.
    pdf.set_font(FONT, "", 11)
    y = pdf.get_y()
    pdf.set_xy(DETAILS_X, y)
    pdf.cell(34, 6, _date(outgoing_date), border="B", align=Align.C)
    pdf.cell(9, 6, "№", align=Align.C)
    pdf.cell(DETAILS_W - 43, 6, outgoing_number or "", border="B", align=Align.C)
    y += 8
    pdf.set_xy(DETAILS_X, y)
    pdf.cell(10, 6, "На №", align=Align.L)
    pdf.cell(34, 6, appeal_number or "", border="B", align=Align.C)
    pdf.cell(8, 6, "от", align=Align.C)
    pdf.cell(DETAILS_W - 52, 6, _date(appeal_date), border="B", align=Align.C)
    return y + 6


def _line_count(pdf: FPDF, width: float, height: float, text: str) -> int:
    """How many lines the text takes in a cell of this width, in the current font."""
    lines = pdf.multi_cell(width, height, text, dry_run=True, output="LINES")
    return len(cast(list[str], lines))


def _address_block(pdf: FPDF, lines: list[str]) -> float:
    """Draw the addressee inside the envelope window; shrink the type if it would not fit."""
    text = "\n".join(line.strip() for line in lines if line and line.strip())
    for size, height in ((13, 6.0), (12, 5.2), (11, 4.7), (10, 4.2)):
        pdf.set_font(FONT, "", size)
        if _line_count(pdf, ADDRESS_W, height, text) * height <= ADDRESS_BOTTOM - ADDRESS_TOP:
            break
    pdf.set_xy(ADDRESS_X, ADDRESS_TOP)
    pdf.multi_cell(ADDRESS_W, height, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return pdf.get_y()


NBSP = "\u00a0"
_MONTHS = "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
# Russian typesetting keeps these together on one line: «№ 59-ФЗ», «2006 г.»,
# «3 марта», «статьи 8», «И. И. Петров», and a dash stays with the word before it.
_BINDINGS = [
    (re.compile(r"№\s+"), "№" + NBSP),
    (re.compile(r"(\d)\s+(г\.|года\b|гг\.)"), r"\1" + NBSP + r"\2"),
    (re.compile(rf"(\d)\s+({_MONTHS})\b"), r"\1" + NBSP + r"\2"),
    (re.compile(r"\b(част\w*|стать\w*|пункт\w*|ст\.|ч\.|п\.)\s+(\d)", re.IGNORECASE), r"\1" + NBSP + r"\2"),
    (re.compile(r"\b([А-ЯЁ]\.)\s+(?=[А-ЯЁ])"), r"\1" + NBSP),
    (re.compile(r"\s+—"), NBSP + "—"),
]


def _bind(text: str) -> str:
    for pattern, replacement in _BINDINGS:
        text = pattern.sub(replacement, text)
    return text


SOFT_HYPHEN = "\u00ad"
# Words of five letters or more, lower-case: names, abbreviations and words with capitals are not broken.
_HYPHENATED = re.compile(r"(?<![\w\u00ad-])[а-яё]{5,}(?![\w\u00ad])")


@functools.cache
def _hyphenator() -> Any:
    import pyphen

    # Russian rules: at least two letters stay on either side of the break.
    return pyphen.Pyphen(lang="ru_RU", left=2, right=2)


def hyphenate(text: str) -> str:
    """Soft hyphens where Russian words may break: the justified lines then need no wide gaps.

    fpdf2 breaks a line at a soft hyphen and prints a hyphen there; a soft
    hyphen not at a line's end is not printed, and the text extracted from
    the PDF has none.
    """
    dictionary = _hyphenator()

    def insert(match: re.Match[str]) -> str:
        word = match.group(0)
        return str(dictionary.inserted(word, hyphen=SOFT_HYPHEN))

    return _HYPHENATED.sub(insert, text)


def _paragraphs(body: str) -> list[str]:
    chunks = body.replace("\r\n", "\n").split("\n\n")
    return [
        _bind(" ".join(line.strip() for line in chunk.strip().splitlines())) for chunk in chunks if chunk.strip()
    ]


def _is_salutation(paragraph: str) -> bool:
    return paragraph.endswith("!") and len(paragraph) < 80 and paragraph.count(" ") <= 5


def _text(pdf: FPDF, title: str | None, body: str) -> None:
    if title:
        pdf.set_font(FONT, "B", 12)
        pdf.set_x(LEFT)
        pdf.multi_cell(95, 5.5, _bind(title), align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(7)
    paragraphs = _paragraphs(body)
    pdf.set_font(FONT, "", TEXT_PT)
    if paragraphs and _is_salutation(paragraphs[0]):
        pdf.set_x(LEFT)
        pdf.multi_cell(TEXT_W, 6, paragraphs.pop(0), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
    # Justified, as an official letter's text is, with words hyphenated so that no line is stretched wide.
    with pdf.text_columns(text_align=Align.J, line_height=TEXT_LINE, l_margin=LEFT, r_margin=RIGHT) as columns:
        for paragraph in paragraphs:
            with columns.paragraph(first_line_indent=FIRST_LINE_INDENT, bottom_margin=1.5) as par:
                par.write(hyphenate(paragraph))


def _signature(pdf: FPDF, position: str, name: str) -> None:
    if not (position or name):
        return
    pdf.set_font(FONT, "", TEXT_PT)
    needed = 12 + 6 * _line_count(pdf, 95, 6, position or " ")
    if pdf.will_page_break(needed):
        pdf.add_page()
    else:
        pdf.ln(12)
    top = pdf.get_y()
    pdf.set_x(LEFT)
    pdf.multi_cell(95, 6, position, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    bottom = pdf.get_y()
    # The name stands on the line of the position's last line, flush right.
    pdf.set_xy(LEFT + 95, max(top, bottom - 6))
    pdf.cell(TEXT_W - 95, 6, name, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(bottom)


def _executor(pdf: FPDF, executor: str) -> None:
    pdf.set_font(FONT, "", SMALL_PT)
    height = 4 * _line_count(pdf, TEXT_W, 4, executor)
    y = PAGE_H - BOTTOM - height
    if pdf.get_y() > y - 4:
        pdf.add_page()
    # Written inside the bottom margin's limit without triggering a page break.
    pdf.set_auto_page_break(False)
    pdf.set_xy(LEFT, y)
    pdf.multi_cell(TEXT_W, 4, executor, align=Align.L)
    pdf.set_auto_page_break(True, margin=BOTTOM)


def render_official_letter(
    *,
    institution: Any,
    outgoing_number: str | None,
    outgoing_date: dt.date | None,
    appeal_number: str | None,
    appeal_date: dt.date | None,
    addressee_lines: list[str],
    title: str | None,
    body: str,
    signer_position: str,
    signer_name: str,
    executor: str | None = None,
) -> bytes:
    """Return the PDF of an official letter (see the module's docstring for the layout).

    ``institution`` needs full_name, full_postal_address, phone, email and
    website (classifiers.Institution). ``body`` is plain text, paragraphs
    separated by blank lines; a short first paragraph ending in «!» is the
    salutation and is centred. Empty outgoing number, date or reference leave
    their lines blank to be filled in by hand.
    """
    pdf = _new_pdf()
    pdf.set_title(title or "Письмо")
    pdf.set_author(institution.full_name)
    pdf.add_page()
    details_bottom = _details_block(
        pdf,
        institution,
        outgoing_number=outgoing_number,
        outgoing_date=outgoing_date,
        appeal_number=appeal_number,
        appeal_date=appeal_date,
    )
    address_bottom = _address_block(pdf, addressee_lines)
    pdf.set_xy(LEFT, max(details_bottom, address_bottom, ADDRESS_BOTTOM) + 10)
    _text(pdf, title, body)
    _signature(pdf, signer_position, signer_name)
    if executor:
        _executor(pdf, executor if executor.lower().startswith("исп") else f"Исп. {executor}")
    return bytes(pdf.output())


def answer_pdf(context: dict[str, Any]) -> bytes:
    """The answer on the merits as an official letter, from the context of the `answer` kind.

    The text is the administrator's `answer` template rendered with the
    context (answer_text, signer_*, outgoing_*, executor and the appeal), the
    addressee the citizen, in the dative case, with the postal address.
    """
    from letters import services  # services lays letters out with this module

    context = services.letter_context(context["appeal"], context)
    rendered = services.render_letter("answer", context)
    return services.letter_pdf(rendered, context, addressee_lines=services.citizen_addressee(context["appeal"]))


def with_enclosures(letter: bytes, enclosures: list[tuple[str, bytes]]) -> bytes:
    """The letter followed by its enclosures, as one PDF: what the citizen receives, by e-mail or on paper.

    `enclosures` are (content type, bytes) of files already checked by
    content (appeals.attachments): a PDF's pages are appended as they are,
    a JPEG becomes a page of its own at 150 dpi.
    """
    if not enclosures:
        return letter
    writer = PdfWriter()
    writer.append(io.BytesIO(letter))
    for content_type, content in enclosures:
        if content_type == "application/pdf":
            writer.append(io.BytesIO(content))
        else:
            with Image.open(io.BytesIO(content)) as image:
                page = io.BytesIO()
                image.convert("RGB").save(page, "PDF", resolution=150)
            writer.append(io.BytesIO(page.getvalue()))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
