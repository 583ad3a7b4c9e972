"""The registered-mail list: Russian Post form 103, «список внутренних почтовых отправлений», as a PDF.

A4 landscape, so that the address with its index fits a line or two. The
heading: the list's number and date, the sender (the institution's name and
address), the kind and class of the items; then one row per item (№ п/п,
addressee, address with index, ШПИ, weight in grams, notice yes/no); the
totals (count, weight); the lines for «Сдал» (the sender's official) and
«Принял» (the post office's operator, with the postmark). The PDF holds two
copies, each from a new page: the post office keeps one, the institution the
other, stamped, as proof of posting.
"""

from __future__ import annotations

from collections.abc import Callable

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from postal.documents.address import envelope_lines, parse_address, street_line
from postal.documents.pdf import SANS, new_pdf, output, wrap, write_lines
from postal.documents.types import MailClass, MailList, MailListItem

PAGE_W, PAGE_H = 297.0, 210.0
MARGIN = 12.0
TABLE_W = PAGE_W - 2 * MARGIN
# № п/п, addressee, address with index, ШПИ, weight, notice.
COLUMNS = (("№ п/п", 12.0), ("Адресат", 62.0), ("Адрес (с индексом)", 112.0), ("ШПИ", 42.0),
           ("Масса, г", 22.0), ("Уведомление", TABLE_W - 12 - 62 - 112 - 42 - 22))
LINE = 4.2
COPIES = ("Экземпляр 1 — для отделения почтовой связи", "Экземпляр 2 — для отправителя")

CLASS_NAMES = {
    MailClass.SIMPLE: "простое",
    MailClass.REGISTERED: "заказное",
    MailClass.REGISTERED_NOTICE: "заказное с уведомлением о вручении",
}


def address_with_index(item: MailListItem) -> str:
    """«119034, г. Москва, ул. Остоженка, д. 1, кв. 2»: the address from the region down, the index first."""
    parts = parse_address(item.addressee.address, item.addressee.index)
    pieces = [parts.index, parts.region, parts.district, parts.place, street_line(parts)]
    seen: list[str] = []
    for piece in pieces:
        if piece and piece not in seen:
            seen.append(piece)
    return ", ".join(seen)


def total_weight(mail_list: MailList) -> int:
    return sum(item.weight for item in mail_list.items)


def _corner(pdf: FPDF, mail_list: MailList, copy: str, sheet: int) -> None:
    """The form, the copy and the sheet, top right of every page; on a continuation page, the list's number."""
    pdf.set_font(SANS, "", 8)
    pdf.set_xy(MARGIN, MARGIN - 4)
    if sheet > 1:
        pdf.cell(TABLE_W / 2, 4, f"Список № {mail_list.number} от {mail_list.date:%d.%m.%Y} (продолжение)")
        pdf.set_xy(MARGIN, MARGIN - 4)
    pdf.cell(TABLE_W, 4, f"ф. 103   {copy}   лист {sheet}", align=Align.R)


def _header(pdf: FPDF, mail_list: MailList, copy: str) -> None:
    _corner(pdf, mail_list, copy, 1)
    pdf.set_xy(MARGIN, MARGIN + 1)
    pdf.set_font(SANS, "B", 13)
    pdf.cell(TABLE_W, 6, f"СПИСОК № {mail_list.number}", align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(SANS, "", 11)
    pdf.set_x(MARGIN)
    pdf.cell(TABLE_W, 5.5, f"внутренних почтовых отправлений от {mail_list.date:%d.%m.%Y}", align=Align.C,
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(SANS, "", 10)
    sender = envelope_lines(mail_list.sender)
    rows = [
        ("Вид и категория отправлений:", f"письмо {CLASS_NAMES[mail_list.mail_class]}"),
        ("Количество отправлений:", str(len(mail_list.items))),
        ("Отправитель:", sender[0] if sender else ""),
        ("Адрес отправителя:", ", ".join(reversed(sender[1:])) if len(sender) > 1 else ""),
    ]
    for label, value in rows:
        pdf.set_x(MARGIN)
        pdf.set_font(SANS, "", 10)
        pdf.cell(58, 5, label)
        pdf.set_font(SANS, "B" if label == "Отправитель:" else "", 10)
        pdf.multi_cell(TABLE_W - 58, 5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _table_head(pdf: FPDF) -> None:
    pdf.set_font(SANS, "B", 9)
    pdf.set_fill_color(235, 235, 235)
    x = MARGIN
    y = pdf.get_y()
    for title, width in COLUMNS:
        pdf.set_xy(x, y)
        pdf.cell(width, 7, title, border=1, align=Align.C, fill=True)
        x += width
    pdf.set_xy(MARGIN, y + 7)


def _row(pdf: FPDF, number: int, item: MailListItem, new_page: Callable[[], None]) -> None:
    cells = [str(number), item.addressee.name, address_with_index(item), item.tracking_number or "—",
             str(item.weight), "да" if item.notice else "нет"]
    pdf.set_font(SANS, "", 9)
    wrapped = [wrap(pdf, text, width - 2) for (_, width), text in zip(COLUMNS, cells, strict=True)]
    row_h = max(len(lines) for lines in wrapped) * LINE + 1.6
    if pdf.get_y() + row_h > PAGE_H - MARGIN:
        new_page()
        _table_head(pdf)
        pdf.set_font(SANS, "", 9)
    y = pdf.get_y()
    x = MARGIN
    for (_, width), lines in zip(COLUMNS, wrapped, strict=True):
        pdf.rect(x, y, width, row_h)
        align = Align.L if width > 40 else Align.C
        write_lines(pdf, lines, x=x + 1, y=y + 0.8, width=width - 2, height=LINE, align=align)
        x += width
    pdf.set_xy(MARGIN, y + row_h)


def _footer(pdf: FPDF, mail_list: MailList, new_page: Callable[[], None]) -> None:
    count, weight = len(mail_list.items), total_weight(mail_list)
    notices = sum(1 for item in mail_list.items if item.notice)
    if pdf.get_y() + 40 > PAGE_H - MARGIN:
        new_page()
    pdf.ln(3)
    pdf.set_font(SANS, "B", 10)
    pdf.set_x(MARGIN)
    pdf.cell(TABLE_W, 5.5, f"Итого: отправлений {count}, общая масса {weight} г, с уведомлением {notices}",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    pdf.set_font(SANS, "", 10)
    y = pdf.get_y()
    half = TABLE_W / 2
    for x, label, hint in ((MARGIN, "Сдал", "(должность, подпись, фамилия и инициалы)"),
                           (MARGIN + half + 5, "Принял", "(подпись работника ОПС, фамилия; оттиск КПШ)")):
        pdf.set_xy(x, y)
        pdf.cell(18, 6, label)
        pdf.line(x + 18, y + 5.5, x + half - 10, y + 5.5)
        pdf.set_font(SANS, "", 7)
        pdf.set_xy(x + 18, y + 6)
        pdf.cell(half - 28, 3.5, hint, align=Align.C)
        pdf.set_font(SANS, "", 10)
    pdf.set_xy(MARGIN + half + 5, y + 14)
    pdf.cell(half - 5, 6, "Принято отправлений ______ , общая масса ______ г")


def render_mail_list(mail_list: MailList) -> bytes:
    """The form 103 PDF in two copies, each with the totals (count, weight) and the signature lines."""
    pdf = new_pdf(PAGE_W, PAGE_H, title=f"Список № {mail_list.number} от {mail_list.date:%d.%m.%Y}", bold=True)
    for copy in COPIES:
        sheet = 1

        def new_page(copy: str = copy) -> None:
            nonlocal sheet
            sheet += 1
            pdf.add_page()
            _corner(pdf, mail_list, copy, sheet)
            pdf.set_xy(MARGIN, MARGIN + 1)

        pdf.add_page()
        _header(pdf, mail_list, copy)
        _table_head(pdf)
        for number, item in enumerate(mail_list.items, start=1):
            _row(pdf, number, item, new_page)
        _footer(pdf, mail_list, new_page)
    return output(pdf)
