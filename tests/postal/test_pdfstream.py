"""postal.pdfstream: parts written one after another make one valid PDF with every page and its text."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader, PdfWriter

from postal import documents
from postal.pdfstream import StreamingPdf

SENDER = documents.Party(name="ФГБОУ ВО «Университет»", address="г. Москва, ул. Пречистенка, д. 7", index="119034")


def envelope(name: str, kind: documents.Envelope = documents.Envelope.DL) -> bytes:
    addressee = documents.Party(name=name, address="г. Тула, ул. Ленина, д. 3, кв. 4", index="300000")
    return documents.render_envelope(kind, sender=SENDER, addressee=addressee)


def test_parts_make_one_pdf_with_every_page_in_order_and_its_text(tmp_path):
    names = ["Иванова", "Петрова", "Смирнова", "Кузнецова", "Соколова"]
    out_path = tmp_path / "batch.pdf"
    with open(out_path, "wb") as out:
        stream = StreamingPdf(out)
        for part_names in (names[:2], names[2:]):
            part = PdfWriter()
            for name in part_names:
                part.append(PdfReader(io.BytesIO(envelope(name, documents.Envelope.C5))))
            stream.add_part(part)
        stream.close()
    reader = PdfReader(out_path, strict=True)
    assert len(reader.pages) == stream.page_count == 5
    assert [name in page.extract_text() for name, page in zip(names, reader.pages, strict=True)] == [True] * 5
    # Each page keeps its own size (C5: 229 x 162 mm, landscape).
    assert round(float(reader.pages[0].mediabox.width) * 25.4 / 72) == 229
    assert all(fonts_embedded(page) for page in reader.pages)


def fonts_embedded(page) -> bool:
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    for font in fonts:
        if "/DescendantFonts" in font:
            font = font["/DescendantFonts"][0].get_object()
        descriptor = font["/FontDescriptor"].get_object()
        if not ({"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys())):
            return False
    return bool(fonts)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils (pdftoppm)")
def test_poppler_renders_the_streamed_pdf(tmp_path):
    out_path = tmp_path / "batch.pdf"
    with open(out_path, "wb") as out:
        stream = StreamingPdf(out)
        for name in ("Иванова", "Петрова"):
            part = PdfWriter()
            part.append(PdfReader(io.BytesIO(envelope(name))))
            stream.add_part(part)
        stream.close()
    info = subprocess.run(["pdfinfo", str(out_path)], capture_output=True, text=True, timeout=60)
    assert info.returncode == 0 and re.search(r"^Pages:\s+2$", info.stdout, re.MULTILINE), info.stderr
    result = subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "2", "-l", "2", str(out_path),
                             str(tmp_path / "page")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr, result.stderr
    assert list(tmp_path.glob("page*.png"))
