"""The «Отправка» export: the service's field names, its values, CSV and XLSX that read back the same."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

import openpyxl

from postal.documents import (
    MailClass,
    MailList,
    MailListItem,
    Party,
    export_csv,
    export_header,
    export_rows,
    export_xlsx,
)
from tests.postal.documents.conftest import ADDRESSEE, SENDER

ISSUE_COLUMNS = ["mail-type", "mail-category", "surname", "given-name", "middle-name", "index-to", "region-to",
                 "place-to", "street-to", "house-to", "room-to", "mass", "with-order-of-notice", "order-num"]

ORGANISATION = Party("Прокуратура Тверской области", "г. Тверь, ул. Свободный пер., д. 9", "170100")
DATIVE_ONLY = Party("Петрову Петру Петровичу", "г. Москва, ул. Остоженка, д. 1, кв. 2", "119034")


def _list(mail_class: MailClass = MailClass.REGISTERED_NOTICE) -> MailList:
    items = [
        MailListItem(ADDRESSEE, "14001293402154", 15, True),
        MailListItem(ORGANISATION, "14001293402161", 20, False),
        MailListItem(DATIVE_ONLY, "", 10, True),
    ]
    return MailList("0310-2", dt.date(2026, 3, 10), SENDER, mail_class, items)


def _as_dicts(rows):
    return [dict(zip(export_header(), row, strict=True)) for row in rows]


def test_the_header_has_the_issue_s_columns_in_order_then_the_district_and_the_name():
    assert export_header()[: len(ISSUE_COLUMNS)] == ISSUE_COLUMNS
    assert export_header()[len(ISSUE_COLUMNS):] == ["area-to", "recipient-name"]


def test_rows_carry_the_values_the_service_takes():
    first, organisation, dative = _as_dicts(export_rows(_list()))
    assert first == {
        "mail-type": "LETTER", "mail-category": "ORDERED", "surname": "Иванова", "given-name": "Мария",
        "middle-name": "Петровна", "index-to": "143080", "region-to": "Московская обл.",
        "place-to": "пос. Лесной городок", "street-to": "ул. Фасадная", "house-to": "8", "room-to": "15",
        "mass": 15, "with-order-of-notice": "true", "order-num": "0310-2-1", "area-to": "Одинцовский р-н",
        "recipient-name": "Ивановой Марии Петровне",
    }
    assert organisation["surname"] == "Прокуратура Тверской области"
    assert (organisation["given-name"], organisation["middle-name"]) == ("", "")
    assert organisation["with-order-of-notice"] == "false"
    # Without nominative parts the name is split as it is (dative: the clerk should give the parts).
    assert (dative["surname"], dative["given-name"], dative["middle-name"]) == ("Петрову", "Петру", "Петровичу")
    assert len({row["order-num"] for row in (first, organisation, dative)}) == 3
    simple = _as_dicts(export_rows(_list(MailClass.SIMPLE)))
    assert {row["mail-category"] for row in simple} == {"SIMPLE"}
    registered = _as_dicts(export_rows(_list(MailClass.REGISTERED)))
    assert {row["mail-category"] for row in registered} == {"ORDERED"}


def test_the_csv_reads_back_as_the_rows():
    data = export_csv(_list())
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark: Excel shows the Cyrillic
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == export_header()
    assert rows[1:] == [[str(value) for value in row] for row in export_rows(_list())]


def test_the_xlsx_reads_back_as_the_rows_the_index_kept_as_text_and_the_mass_as_a_number():
    workbook = openpyxl.load_workbook(io.BytesIO(export_xlsx(_list())))
    sheet = workbook.active
    values = [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == export_header()
    assert values[1:] == export_rows(_list())
    index_cell = sheet.cell(row=2, column=export_header().index("index-to") + 1)
    assert index_cell.value == "143080" and index_cell.data_type == "s"
    assert sheet.cell(row=2, column=export_header().index("mass") + 1).value == 15


def test_an_index_with_a_leading_zero_is_not_turned_into_a_number():
    mail_list = dataclasses.replace(_list(), items=[MailListItem(dataclasses.replace(ADDRESSEE, index="012345"),
                                                                 "", 10, False)])
    assert export_rows(mail_list)[0][export_header().index("index-to")] == "012345"
    sheet = openpyxl.load_workbook(io.BytesIO(export_xlsx(mail_list))).active
    assert sheet.cell(row=2, column=export_header().index("index-to") + 1).value == "012345"
