"""Postal letters for the print-room tests: real stored PDFs, letters of department A and B."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfWriter

from appeals.models import Appeal
from letters.models import LetterKind, PostalLetter
from letters.services import store_pdf
from tests.roles import Roles, make_appeal


def letter_pdf(pages: int = 1, marker: str = "") -> bytes:
    """A letter's PDF of `pages` A4 pages; `marker` goes into the metadata so that each letter differs."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if marker:
        writer.add_metadata({"/Title": marker})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def postal_appeal(roles: Roles, department: str = "a", **fields: Any) -> Appeal:
    dept = roles.department_a if department == "a" else roles.department_b
    executor = roles.executor_a if department == "a" else roles.executor_b
    return make_appeal(reply_method="post", department=dept, executor=executor, status=Appeal.Status.IN_WORK,
                       **fields)


def make_letter(appeal: Appeal, *, kind: str = LetterKind.ANSWER, pages: int = 1, **fields: Any) -> PostalLetter:
    """A letter as letters.services makes one; the postal app's signal gives it class, sheets and weight."""
    values: dict[str, Any] = {
        "addressee": f"{appeal.last_name}ой М. П.\n{appeal.address}\n{appeal.postal_index}",
        "postal_index": appeal.postal_index, "subject": "Ответ на обращение", "text": "Текст ответа.",
        **fields,
    }
    letter = PostalLetter.objects.create(appeal=appeal, kind=kind,
                                         pdf_path=store_pdf(letter_pdf(pages, marker=appeal.number)), **values)
    letter.refresh_from_db()
    return letter


@pytest.fixture
def letters(roles: Roles) -> list[PostalLetter]:
    """Five waiting letters, oldest first: three of department A, two of B."""
    made = []
    for n, department in enumerate("aabab"):
        made.append(make_letter(postal_appeal(roles, department), pages=1 + n % 3))
    return made
