"""The registered-mail list as a file for Russian Post's «Отправка» service (CSV and XLSX).

The columns carry the field names of the service's order («заказ»): mail-type,
mail-category, surname, given-name, middle-name, index-to, region-to,
place-to, street-to, house-to, room-to, mass, with-order-of-notice,
order-num; then area-to (the district, which would otherwise be lost) and
recipient-name (the addressee as on the envelope, for an organisation).

Values as the service's API takes them: mail-type LETTER (письмо);
mail-category SIMPLE (простое) or ORDERED (заказное), the notice of delivery
being the flag with-order-of-notice (true/false), not a category; mass in
grams; index-to six digits.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import xlsxwriter

from postal.documents.address import parse_address
from postal.documents.types import MailClass, MailList, MailListItem, Party

HEADER = [
    "mail-type", "mail-category", "surname", "given-name", "middle-name", "index-to", "region-to", "place-to",
    "street-to", "house-to", "room-to", "mass", "with-order-of-notice", "order-num", "area-to", "recipient-name",
]
MAIL_TYPE = "LETTER"
CATEGORIES = {MailClass.SIMPLE: "SIMPLE", MailClass.REGISTERED: "ORDERED", MailClass.REGISTERED_NOTICE: "ORDERED"}


def export_header() -> list[str]:
    """«Отправка» field names, in order."""
    return list(HEADER)


def name_parts(party: Party) -> tuple[str, str, str]:
    """Surname, given name, middle name: the Party's own (nominative) parts, or its name split.

    A name of two or three words is taken for «Фамилия Имя [Отчество]»; any
    other (an organisation's) goes whole into the surname.
    """
    if party.surname or party.given_name or party.middle_name:
        return party.surname, party.given_name, party.middle_name
    words = party.name.split()
    if len(words) in (2, 3) and all(word[:1].isupper() for word in words):
        return words[0], words[1], words[2] if len(words) == 3 else ""
    return party.name.strip(), "", ""


def _row(mail_list: MailList, number: int, item: MailListItem) -> list[str | int]:
    parts = parse_address(item.addressee.address, item.addressee.index)
    surname, given, middle = name_parts(item.addressee)
    return [
        MAIL_TYPE,
        CATEGORIES[mail_list.mail_class],
        surname,
        given,
        middle,
        parts.index,
        parts.region,
        parts.place,
        parts.street,
        parts.house,
        parts.room,
        item.weight,
        "true" if item.notice else "false",
        f"{mail_list.number}-{number}",
        parts.district,
        item.addressee.name,
    ]


def export_rows(mail_list: MailList) -> list[list[str | int]]:
    """One row per item, in the list's order, under `export_header`."""
    return [_row(mail_list, number, item) for number, item in enumerate(mail_list.items, start=1)]


def export_csv(mail_list: MailList) -> bytes:
    """UTF-8 with a byte-order mark, semicolon-separated: what Excel in a Russian locale and the service read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(export_header())
    writer.writerows(export_rows(mail_list))
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(mail_list: MailList) -> bytes:
    """One sheet, the header then the rows; the index and the ШПИ-like values kept as text."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    # The list's date as the creation time: the same list gives the same file.
    created = dt.datetime.combine(mail_list.date, dt.time(), tzinfo=dt.UTC)
    workbook.set_properties({"title": f"Список № {mail_list.number}", "created": created})
    sheet = workbook.add_worksheet("Отправка")
    bold = workbook.add_format({"bold": True})
    text = workbook.add_format({"num_format": "@"})
    sheet.write_row(0, 0, export_header(), bold)
    for row, values in enumerate(export_rows(mail_list), start=1):
        for column, value in enumerate(values):
            if isinstance(value, int):
                sheet.write_number(row, column, value)
            else:
                sheet.write_string(row, column, value, text)
    sheet.set_column(0, len(HEADER) - 1, 16)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
