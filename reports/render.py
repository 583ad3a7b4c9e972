"""One report, three forms: the HTML table (templates/reports/table.html), CSV and XLSX."""

from __future__ import annotations

import csv
import io
from typing import Any

import xlsxwriter

from reports.reports import Table


def plain_rows(table: Table) -> list[list[Any]]:
    return [[cell.value for cell in row] for row in table.rows]


def to_csv(table: Table) -> bytes:
    # UTF-8 with a BOM and «;»: what Excel opens correctly in a Russian locale.
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(table.header)
    writer.writerows([["" if v is None else v for v in row] for row in plain_rows(table)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(table: Table, *, title: str, subtitle: str = "") -> bytes:
    """A sheet with the title, the filters line, the header and the rows; numbers stay numbers."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(title[:31].replace(":", " "))
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1})
    sheet.write(0, 0, title, bold)
    if subtitle:
        sheet.write(1, 0, subtitle)
    sheet.write_row(3, 0, table.header, head)
    for index, row in enumerate(plain_rows(table), start=4):
        sheet.write_row(index, 0, ["" if v is None else v for v in row])
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, len(table.header), 14)
    sheet.freeze_panes(4, 1)
    book.close()
    return buffer.getvalue()
