"""What the postal document tests share: reading a PDF back (text, positions, sizes, fonts) and its pictures."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from postal.documents import Party

MM = 72 / 25.4  # points per millimetre
ARTEFACTS = Path(__file__).resolve().parents[3] / "test-results" / "postal-documents"

SENDER = Party(
    "ФГБОУ ВО «Московский государственный лингвистический университет»",
    "г. Москва, ул. Остоженка, д. 38",
    "119034",
)
ADDRESSEE = Party(
    "Ивановой Марии Петровне",
    "Московская обл., Одинцовский р-н, пос. Лесной городок, ул. Фасадная, д. 8, кв. 15",
    "143080",
    surname="Иванова",
    given_name="Мария",
    middle_name="Петровна",
)
LONG_ADDRESSEE = Party(
    "Константинопольской-Преображенской Анастасии Вячеславовне",
    "Ханты-Мансийский автономный округ — Югра, Сургутский муниципальный район, городское поселение Белый Яр, "
    "пгт Белый Яр, ул. Набережная имени Героя Советского Союза Александра Матросова, д. 112, корп. 4, "
    "стр. 2, кв. 318",
    "628433",
)


@dataclass(frozen=True)
class Fragment:
    """A piece of text as the PDF draws it: where its baseline starts, in mm from the top left corner."""

    text: str
    x: float
    y: float
    size: float  # points


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    """All the text, whitespace folded."""
    return " ".join(" ".join(page.extract_text() for page in reader(pdf).pages).split())


def page_texts(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in reader(pdf).pages]


def fragments(pdf: bytes, page: int = 0) -> list[Fragment]:
    """The text of one page with the position of each piece (pypdf's visitor)."""
    pdf_page = reader(pdf).pages[page]
    height = float(pdf_page.mediabox.height)
    found: list[Fragment] = []

    def visit(text, cm, tm, font, size):
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        found.append(Fragment(text.strip(), x / MM, (height - y) / MM, size * abs(tm[0]) * abs(cm[0] or 1)))

    pdf_page.extract_text(visitor_text=visit)
    return found


def page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    return [(round(float(page.mediabox.width) / MM, 1), round(float(page.mediabox.height) / MM, 1))
            for page in reader(pdf).pages]


def fonts(pdf: bytes) -> dict[str, bool]:
    """Every font the pages use, by its base name, and whether its TrueType program is embedded (FontFile2)."""
    result: dict[str, bool] = {}
    for page in reader(pdf).pages:
        resources = page["/Resources"].get_object()
        for font in resources.get("/Font", DictionaryObject()).get_object().values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            embedded = descriptor is not None and "/FontFile2" in descriptor.get_object()
            result[str(font["/BaseFont"])] = embedded
    return result


def save_png(pdf: bytes, name: str, *, dpi: int = 60) -> Path:
    """The first page as a PNG in test-results/postal-documents/, for a person to look at."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("needs pdftoppm (poppler-utils)")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTEFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", "1", "-l", "1", str(source),
                    str(ARTEFACTS / name)], check=True)
    return ARTEFACTS / f"{name}.png"
