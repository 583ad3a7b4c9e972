"""The official letter: text that extracts, pages that flow, a first page that is not blank."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from classifiers.models import Institution
from letters.pdf import answer_pdf, render_official_letter
from tests.letters.conftest import ANSWER_TEXT, full_context

pytestmark = pytest.mark.django_db

PARAGRAPH = (
    "Перевод обучающихся с платного обучения на бесплатное осуществляется при наличии свободных мест, "
    "финансируемых за счёт бюджетных ассигнований федерального бюджета, в порядке, установленном локальным "
    "нормативным актом университета; решение принимает комиссия с участием представителей обучающихся."
)


def letter(body: str, **overrides) -> bytes:
    arguments = {
        "institution": Institution.get_current(),
        "outgoing_number": "01-12/345",
        "outgoing_date": dt.date(2026, 3, 10),
        "appeal_number": "ОГ-2026-000042",
        "appeal_date": dt.date(2026, 3, 3),
        "addressee_lines": ["Ивановой Марии Петровне", "г. Москва, ул. Остоженка, д. 1, кв. 2", "119034"],
        "title": "Ответ на обращение № ОГ-2026-000042",
        "body": body,
        "signer_position": "Проректор по учебной работе",
        "signer_name": "И. И. Петров",
        "executor": "Исп. Сидорова А. А., +7 499 245-30-02",
    }
    arguments.update(overrides)
    return render_official_letter(**arguments)


def text_of(pdf: bytes) -> tuple[int, str]:
    """The page count and the text, its whitespace folded (justified lines extract with wide gaps)."""
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def first_page_png(pdf: bytes, tmp_path: Path) -> Image.Image:
    if shutil.which("pdftoppm") is None:
        pytest.skip("needs pdftoppm (poppler-utils)")
    source = tmp_path / "letter.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")],
                   check=True)
    [png] = tmp_path.glob("page*.png")
    return Image.open(png).convert("L")


def test_a_long_cyrillic_letter_flows_onto_more_pages_and_its_text_extracts(tmp_path):
    body = "Уважаемая Мария Петровна!\n\n" + "\n\n".join(f"{n}. {PARAGRAPH} {PARAGRAPH}" for n in range(1, 13))
    pages, text = text_of(letter(body))
    assert pages > 1
    for expected in ("ОГ-2026-000042", "01-12/345", "10.03.2026", "03.03.2026", "Ивановой Марии Петровне",
                     "119034", "Московский государственный лингвистический университет",
                     "Уважаемая Мария Петровна!", "финансируемых за счёт бюджетных", "Проректор по учебной работе",
                     "И. И. Петров", "Исп. Сидорова А. А."):
        assert expected in text, expected
    # Page numbers from page 2 on: the second page starts with «2».
    second = PdfReader(io.BytesIO(letter(body))).pages[1].extract_text()
    assert second.lstrip().startswith("2")


def test_a_short_letter_is_one_page_whose_picture_is_not_blank(tmp_path):
    pdf = letter("Уважаемая Мария Петровна!\n\n" + PARAGRAPH)
    assert text_of(pdf)[0] == 1
    image = first_page_png(pdf, tmp_path)
    assert image.size[0] < image.size[1]  # portrait A4
    low, high = image.getextrema()
    assert low < 128 and high == 255  # dark type on white paper
    # The addressee sits top right, inside the window of a DL envelope (x 110-205, y 5-60 mm).
    width, _height = image.size
    mm = width / 210
    window = image.crop((int(110 * mm), int(5 * mm), int(205 * mm), int(60 * mm)))
    assert window.getextrema()[0] < 128


def test_unregistered_letter_leaves_the_number_lines_blank():
    pages, text = text_of(letter("Текст.", outgoing_number=None, outgoing_date=None, executor=None))
    assert pages == 1 and "01-12/345" not in text and "На №" in text and "Исп." not in text


def test_many_address_lines_still_fit_the_window():
    lines = ["Министерство науки и высшего образования Российской Федерации, Департамент по работе с обращениями",
             "ул. Тверская, д. 11, стр. 1", "г. Москва", "125009"]
    pages, text = text_of(letter("Текст.", addressee_lines=lines))
    assert pages == 1 and "Департамент по работе" in text


def test_answer_pdf_takes_the_context_of_the_answer_kind(appeal):
    _pages, text = text_of(answer_pdf(full_context(appeal, executor="П. П. Сидоров")))
    assert ANSWER_TEXT in text
    assert "Ивановой Марии Петровне" in text and "ОГ-2026-000042" in text and "03.03.2026" in text
    assert "Исп. П. П. Сидоров" in text
