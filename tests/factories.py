"""Builders of test data: real files and model rows."""

from __future__ import annotations

import io
import math
import random
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from classifiers.models import Topic


def make_pdf(pages: int = 1, padding: int = 0) -> bytes:
    """A valid PDF; with padding, a scan-like PDF of about that many bytes.

    The bulk of a real scan is one compressed image stream, so that is how the
    size is reached (a long string in the metadata would be unrealistically
    slow for pypdf to parse).
    """
    if padding:
        return _scan_pdf(padding)
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _scan_pdf(size: int) -> bytes:
    """One page holding a JPEG of noise, sized to at least `size` bytes."""
    noise = random.Random(size)
    side = max(8, int(math.sqrt(size / 0.5)))  # noise compresses to about half a byte a pixel
    while True:
        image = Image.frombytes("L", (side, side), noise.randbytes(side * side))
        buffer = io.BytesIO()
        image.save(buffer, "PDF", resolution=150)
        if buffer.tell() >= size:
            return buffer.getvalue()
        side = int(side * 1.1) + 1


def make_jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def offered_topic() -> Topic:
    """One of the questions the institution's form offers (loaded by migrations)."""
    return Topic.objects.offered().first()


def form_data(**overrides: Any) -> dict[str, Any]:
    """A complete, valid appeal form as a browser would post it."""
    data = {
        "last_name": "Иванова",
        "first_name": "Мария",
        "patronymic": "Петровна",
        "address": "г. Москва, ул. Остоженка, д. 1, кв. 2",
        "postal_index": "119034",
        "phone": "+7 916 123-45-67",
        "email": "maria.ivanova@mail.ru",
        "reply_method": "email",
        "topic": str(offered_topic().pk),
        "kind": "primary",
        "text": "Прошу разъяснить порядок перевода на бюджетное место.",
        "consent": "on",
        "captcha_0": "test-key",
        "captcha_1": "PASSED",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
