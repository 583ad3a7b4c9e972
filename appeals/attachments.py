"""Content checks for the files citizens attach to an appeal.

Only PDF and JPEG (.pdf, .jpg, .jpeg) are accepted. Every decision is made
from the bytes of the file: the name and the browser-supplied content type
are attacker-controlled and are never trusted for the type decision.

The files are read by officials on office workstations, so anything that can
run code or hide other files (JavaScript, launch actions, embedded files,
XFA forms) is refused, and photos are stripped of location and device
metadata before they are stored (personal data of the citizen, 152-FZ).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import struct
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image, JpegImagePlugin
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

MB = 1024 * 1024

MAX_TOTAL_BYTES: int = getattr(settings, "APPEALS_ATTACHMENTS_MAX_TOTAL", 10 * MB)
MAX_FILES: int = getattr(settings, "APPEALS_ATTACHMENTS_MAX_FILES", 10)

# The PDF header must open the file: readers tolerate up to 1 KB of other
# bytes before it, but a browser sniffing such a file sees what comes first,
# and HTML there would be rendered as a page. The first kilobyte is read to
# tell a type; %%EOF is looked for near the end first, then anywhere (a scan
# with bytes appended after its %%EOF is still a readable document).
PDF_HEADER_WINDOW = 1024
PDF_EOF_WINDOW = 1024
PDF_EOF = b"%%EOF"
# Bytes after the last %%EOF that begin another object, cross-reference or
# trailer are an incremental update cut short: a reader would show the older
# revision, not the document the citizen sent.
_PDF_CUT_UPDATE_RE = re.compile(rb"(?:^|[\r\n])[ \t]*(?:\d+[ \t\r\n]+\d+[ \t\r\n]+obj\b|xref\b|trailer\b)")
# Longest file name shown in lists, messages and letters; the stored
# original name is kept whole.
DISPLAY_NAME_MAX = 80
# An "extension" longer than this is part of the name (a sentence with a dot).
_DISPLAY_EXTENSION_MAX = 10
JPEG_SIGNATURE = b"\xff\xd8\xff"
PDF_SIGNATURE = b"%PDF-"

# Upper bound on containers visited while walking a PDF object graph, so a
# hostile file with millions of tiny objects cannot keep a worker busy.
PDF_MAX_WALK_NODES = 250_000

# PDF names that mean active content or hidden files. Checked both as
# dictionary keys (/JS, /XFA, /EmbeddedFiles) and as values
# (/S /JavaScript, /S /Launch, /Subtype /FileAttachment, /Type /EmbeddedFile).
PDF_ACTIVE_NAMES = frozenset(
    {
        "JavaScript",
        "JS",
        "Launch",
        "EmbeddedFiles",
        "EmbeddedFile",
        "FileAttachment",
        "RichMedia",
        "XFA",
        "SubmitForm",
        "ImportData",
        "GoToE",  # go-to into an embedded file
    }
)
# Extra names the byte scan reports: /Encrypt lets us say "encrypted" even
# when pypdf cannot open the file (e.g. AES without a crypto backend).
_PDF_SCAN_NAMES = PDF_ACTIVE_NAMES | {"Encrypt"}

_SCAN_CHUNK = 1024 * 1024
# Longer than any PDF name token (127 bytes), so a name is never cut in half
# at a chunk border.
_SCAN_MARGIN = 512
# A name token: "/" followed by regular characters (PDF 32000-1, 7.3.5).
_PDF_NAME_RE = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]{1,127})")
_PDF_NAME_ESCAPE_RE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Start of stream data: the keyword must follow whitespace or ">>" so that
# "endstream" and names ending in "stream" do not count.
_PDF_STREAM_RE = re.compile(rb"(?<=[\x00\t\n\x0c\r >])stream(?:\r\n|\n|\r)")
_PDF_ENDSTREAM = b"endstream"

_EXIF_ORIENTATION = 0x0112
_PILLOW_JPEG_FORMATS = frozenset({"JPEG", "MPO"})  # MPO: phone photos, still JPEG

EXTENSIONS = {"pdf": (".pdf",), "jpeg": (".jpg", ".jpeg")}
CONTENT_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg"}

MESSAGES = {
    "empty": _("Файл «%(name)s» пустой (0 байт). Выберите другой файл."),
    "too_large": _(
        "Файл «%(name)s» занимает %(size)s МБ, а допускается не больше %(limit)s МБ. "
        "Уменьшите файл (например, отсканируйте с меньшим разрешением) "
        "или разделите его на части."
    ),
    "total_too_large": _(
        "Общий размер вложений — %(size)s МБ, а допускается не больше %(limit)s МБ. "
        "Уберите часть файлов или уменьшите их размер."
    ),
    "unsupported_type": _(
        "Файл «%(name)s» не является документом PDF или изображением JPEG. "
        "Можно приложить только файлы в форматах PDF, JPG, JPEG — "
        "сохраните документ в одном из этих форматов и приложите снова."
    ),
    "extension_mismatch_pdf": _(
        "Файл «%(name)s» — документ PDF, но его имя не оканчивается на .pdf. Переименуйте файл или выберите нужный."
    ),
    "extension_mismatch_jpeg": _(
        "Файл «%(name)s» — изображение JPEG, но его имя не оканчивается на .jpg или .jpeg. "
        "Переименуйте файл или выберите нужный."
    ),
    "pdf_damaged": _(
        "Файл «%(name)s» повреждён или загружен не полностью: его не удаётся открыть как PDF. "
        "Сохраните документ в PDF заново и приложите снова."
    ),
    "pdf_encrypted": _(
        "Файл «%(name)s» защищён паролем или зашифрован. Сохраните документ без пароля и защиты и приложите снова."
    ),
    "pdf_active_content": _(
        "Файл «%(name)s» содержит активное содержимое (сценарии, запуск программ, "
        "вложенные файлы или интерактивные формы). Такие файлы не принимаются "
        "из соображений безопасности. Распечатайте документ в PDF "
        "(«Печать» → «Сохранить как PDF») и приложите полученный файл."
    ),
    "pdf_too_complex": _(
        "Файл «%(name)s» устроен слишком сложно, и его не удаётся проверить. "
        "Распечатайте документ в PDF («Печать» → «Сохранить как PDF») "
        "и приложите полученный файл."
    ),
    "pdf_too_many_pages": _(
        "В файле «%(name)s» %(pages)s стр., а допускается не больше %(limit)s. Разделите документ на несколько файлов."
    ),
    "image_damaged": _(
        "Изображение «%(name)s» повреждено или загружено не полностью. "
        "Сохраните фотографию или скан заново и приложите снова."
    ),
    "image_too_big": _(
        "Изображение «%(name)s» слишком большое: допускается не больше %(max_side)s точек "
        "по каждой стороне и не больше %(max_mpix)s млн точек всего. "
        "Уменьшите изображение и приложите снова."
    ),
}


@dataclass(frozen=True)
class CheckedFile:
    kind: str  # "pdf" or "jpeg"
    content_type: str  # "application/pdf" or "image/jpeg"
    extension: str  # ".pdf" or ".jpg": extension of the stored, generated name
    size: int


class _PdfTooComplex(Exception):
    """The object graph walk ran out of budget."""


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def check_attachment(uploaded: File) -> CheckedFile:
    """Check one uploaded file by its content; raise ValidationError if refused."""
    real_name = _base_name(uploaded)
    name = short_file_name(real_name) if real_name else gettext("без имени")
    size = _measure(uploaded)
    if size == 0:
        raise _error("empty", name)
    if size > MAX_TOTAL_BYTES:
        raise _error("too_large", name, size=format_mb(size), limit=format_mb(MAX_TOTAL_BYTES))

    kind = _detect_kind(_read_at(uploaded, 0, PDF_HEADER_WINDOW))
    if kind is None:
        raise _error("unsupported_type", name)
    # The real name, not the shortened one: shortening may cut the extension off.
    _check_extension(real_name, name, kind)

    try:
        if kind == "pdf":
            _check_pdf(uploaded, size, name)
        else:
            _check_jpeg(uploaded, name)
    finally:
        uploaded.seek(0)
    return CheckedFile(
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        extension=EXTENSIONS[kind][0],
        size=size,
    )


def sanitized_content(uploaded: File, checked: CheckedFile) -> File:
    """Return the content to store: metadata-free JPEG, or the PDF as is.

    A JPEG is re-encoded once per upload: the result is kept on the upload,
    so that its digest (content_digest) and its storage read the same bytes.
    """
    uploaded.seek(0)
    if checked.kind == "pdf":
        return uploaded
    cached = getattr(uploaded, _SANITIZED, None)
    if cached is not None:
        cached.seek(0)
        return cached
    try:
        content = _sanitized_jpeg(uploaded, checked)
    finally:
        uploaded.seek(0)
    setattr(uploaded, _SANITIZED, content)
    return content


_SANITIZED = "_appeals_sanitized_content"


def content_digest(uploaded: File, checked: CheckedFile) -> str:
    """The SHA-256 of what would be stored: the same file attached twice has the same digest."""
    content = sanitized_content(uploaded, checked)
    digest = hashlib.sha256()
    for chunk in content.chunks():
        digest.update(chunk)
    content.seek(0)
    return digest.hexdigest()


def check_total_size(sizes: Iterable[int]) -> None:
    """Refuse a set of attachments whose summed size exceeds MAX_TOTAL_BYTES."""
    total = sum(sizes)
    if total > MAX_TOTAL_BYTES:
        raise ValidationError(
            MESSAGES["total_too_large"],
            code="total_too_large",
            params={"size": format_mb(total), "limit": format_mb(MAX_TOTAL_BYTES)},
        )


# --------------------------------------------------------------------------
# Helpers shared by both formats
# --------------------------------------------------------------------------


def _error(code: str, name: str, message_key: str | None = None, **params: Any) -> ValidationError:
    return ValidationError(MESSAGES[message_key or code], code=code, params={"name": name, **params})


def _base_name(uploaded: File) -> str:
    # Django already strips directories from upload names; a File made in
    # code may still carry them.
    return os.path.basename(uploaded.name or "")


def short_file_name(name: str, limit: int = DISPLAY_NAME_MAX) -> str:
    """The name as shown: at most `limit` characters, cut in the middle of the stem, extension kept.

    «Заявление … (очень длинное имя).pdf» stays recognisable as a PDF; a
    hostile 255-character name does not flood a message, a list or a letter.
    """
    if len(name) <= limit:
        return name
    stem, extension = os.path.splitext(name)
    if len(extension) > _DISPLAY_EXTENSION_MAX:
        stem, extension = name, ""
    room = limit - len(extension) - 1  # one character for the ellipsis
    head = (room + 1) // 2
    tail = stem[len(stem) - (room - head) :] if room > head else ""
    return f"{stem[:head]}…{tail}{extension}"


def format_mb(size: int) -> str:
    """Megabytes with one decimal, rounded up so an excess never shows as equal to the limit."""
    value = math.ceil(size * 10 / MB) / 10
    text = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    return text.replace(".", ",")  # Russian decimal separator


def _measure(uploaded: File) -> int:
    # Measure the real content; uploaded.size comes from the upload handler.
    uploaded.seek(0, os.SEEK_END)
    size = uploaded.tell()
    uploaded.seek(0)
    return size


def _read_at(uploaded: File, offset: int, length: int) -> bytes:
    uploaded.seek(offset)
    data = uploaded.read(length)
    uploaded.seek(0)
    return data


def _raw(uploaded: File) -> IO[bytes]:
    """The underlying binary stream for pypdf and Pillow."""
    inner = getattr(uploaded, "file", None)
    return inner if inner is not None else uploaded


def _detect_kind(head: bytes) -> str | None:
    if head.startswith(JPEG_SIGNATURE):
        return "jpeg"
    if head.startswith(PDF_SIGNATURE):
        return "pdf"
    return None


def _check_extension(real_name: str, shown_name: str, kind: str) -> None:
    if not real_name.lower().endswith(EXTENSIONS[kind]):
        raise _error("extension_mismatch", shown_name, message_key=f"extension_mismatch_{kind}")


def _setting(key: str, default: int) -> int:
    # Read at call time so override_settings works in tests and the admin can
    # tune limits without touching this module.
    return int(getattr(settings, key, default))


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------


def _check_pdf(uploaded: File, size: int, name: str) -> None:
    if not _has_whole_pdf(uploaded, size):
        # Cut during upload or copying: readers may "repair" it and show a
        # different document than the one the citizen meant to send.
        raise _error("pdf_damaged", name)

    try:
        scanned = _scan_pdf_names(_raw(uploaded))
    except _PdfTooComplex as exc:
        raise _error("pdf_too_complex", name) from exc
    if "Encrypt" in scanned:
        raise _error("pdf_encrypted", name)
    if scanned & PDF_ACTIVE_NAMES:
        raise _error("pdf_active_content", name)

    reader = _open_pdf(uploaded, name)
    try:
        if reader.is_encrypted:  # even with an empty user password
            raise _error("pdf_encrypted", name)
        _check_pdf_pages(reader, name)
        _check_pdf_graph(reader, name)
    finally:
        # pypdf caches every object it parsed; a 10 MB file would stay in the
        # worker's memory until the garbage collector happens to run.
        reader.resolved_objects.clear()


def _has_whole_pdf(uploaded: File, size: int) -> bool:
    """Whether a %%EOF ends the document, with nothing after it but bytes a scanner or mailer appended.

    Scanners and mail gateways pad files with zeros, line ends or other
    junk; readers ignore it, and refusing such a file would lose a real scan.
    What follows the last %%EOF must not start a new object, though.
    """
    tail = _read_at(uploaded, max(0, size - PDF_EOF_WINDOW), PDF_EOF_WINDOW)
    found = tail.rfind(PDF_EOF)
    if found != -1:  # the usual case: the marker is near the end
        return _PDF_CUT_UPDATE_RE.search(tail[found + len(PDF_EOF) :]) is None
    stream = _raw(uploaded)
    last = -1
    offset = 0
    carry = b""
    stream.seek(0)
    while chunk := stream.read(_SCAN_CHUNK):
        buf = carry + chunk
        found = buf.rfind(PDF_EOF)
        if found != -1:
            last = offset - len(carry) + found
        carry = buf[-(len(PDF_EOF) - 1) :]
        offset += len(chunk)
    if last == -1:
        stream.seek(0)
        return False
    stream.seek(last + len(PDF_EOF))
    after = stream.read()  # at most the size limit: the file was measured already
    stream.seek(0)
    return _PDF_CUT_UPDATE_RE.search(after) is None


def _open_pdf(uploaded: File, name: str) -> PdfReader:
    uploaded.seek(0)
    try:
        return PdfReader(_raw(uploaded), strict=False)
    except Exception as exc:  # hostile input: any parser failure means "damaged"
        raise _error("pdf_damaged", name) from exc


def _check_pdf_pages(reader: PdfReader, name: str) -> None:
    limit = _setting("APPEALS_PDF_MAX_PAGES", 500)
    try:
        pages = len(reader.pages)
        if 0 < pages <= limit:
            for page in reader.pages:
                page.get("/Contents")  # forces every page object to be read
    except Exception as exc:  # hostile input: any parser failure means "damaged"
        raise _error("pdf_damaged", name) from exc
    if pages == 0:
        raise _error("pdf_damaged", name)
    if pages > limit:
        raise _error("pdf_too_many_pages", name, pages=pages, limit=limit)


def _check_pdf_graph(reader: PdfReader, name: str) -> None:
    try:
        found = _walk_pdf_names(reader)
    except _PdfTooComplex as exc:
        raise _error("pdf_too_complex", name) from exc
    except Exception as exc:  # hostile input: any parser failure means "damaged"
        raise _error("pdf_damaged", name) from exc
    if found:
        raise _error("pdf_active_content", name)


def _walk_pdf_names(reader: PdfReader) -> set[str]:
    """Active-content names reachable from the trailer (catalog, names, pages,
    annotations, AcroForm, outlines...), including objects inside compressed
    object streams, which the byte scan cannot see."""
    budget = PDF_MAX_WALK_NODES
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        budget -= 1
        if budget < 0:
            raise _PdfTooComplex
        if isinstance(obj, DictionaryObject):  # stream dictionaries included
            for key, value in obj.items():
                _note_name(key, found)
                _push_pdf_value(value, stack, found)
        elif isinstance(obj, ArrayObject):
            for value in obj:
                _push_pdf_value(value, stack, found)
    return found


def _push_pdf_value(value: Any, stack: list[Any], found: set[str]) -> None:
    if isinstance(value, NameObject):
        _note_name(value, found)
    elif isinstance(value, (IndirectObject, DictionaryObject, ArrayObject)):
        stack.append(value)


def _note_name(name: Any, found: set[str]) -> None:
    bare = str(name).lstrip("/")
    if bare in PDF_ACTIVE_NAMES:
        found.add(bare)


def _scan_pdf_names(stream: IO[bytes]) -> set[str]:
    """Backstop byte scan: suspicious names anywhere outside stream data.

    Stream data is skipped because compressed bytes would match short names
    like /JS by chance; the pypdf walk covers what is inside streams.
    Reads in chunks so a large file is not held in memory twice.
    """
    found: set[str] = set()
    syntax = [0]  # bytes outside stream data
    limit = _setting("APPEALS_PDF_MAX_SYNTAX_BYTES", 4 * MB)
    buf = b""
    in_stream = False
    stream.seek(0)
    while True:
        chunk = stream.read(_SCAN_CHUNK)
        final = not chunk
        buf, in_stream = _scan_pdf_buffer(buf + chunk, in_stream, final, found, syntax)
        # Real documents keep their bulk in streams (images, fonts, page
        # content). Megabytes of bare syntax mean giant strings or object
        # soup, which pypdf parses slowly enough to tie up a web worker.
        if syntax[0] > limit:
            stream.seek(0)
            raise _PdfTooComplex
        if final:
            stream.seek(0)
            return found


def _scan_pdf_buffer(
    buf: bytes, in_stream: bool, final: bool, found: set[str], syntax: list[int] | None = None
) -> tuple[bytes, bool]:
    """Scan what can be scanned safely; return the unscanned tail and state."""
    safe_end = len(buf) if final else max(0, len(buf) - _SCAN_MARGIN)
    pos = 0
    while True:
        if in_stream:
            end = buf.find(_PDF_ENDSTREAM, pos)
            if end == -1:
                keep = 0 if final else len(_PDF_ENDSTREAM) - 1
                return buf[max(pos, len(buf) - keep) :], True
            pos, in_stream = end + len(_PDF_ENDSTREAM), False
            continue
        match = _PDF_STREAM_RE.search(buf, pos)
        if match and match.start() < safe_end:
            _collect_pdf_names(buf, pos, match.start(), found)
            if syntax is not None:
                syntax[0] += match.start() - pos
            pos, in_stream = match.end(), True
            continue
        _collect_pdf_names(buf, pos, safe_end, found)
        if syntax is not None:
            syntax[0] += max(0, safe_end - 1 - pos)
        # Keep one byte before the border: the stream keyword's look-behind
        # needs it. Rescanning a name is harmless, the result is a set.
        return buf[max(pos, safe_end - 1) :], False


def _collect_pdf_names(buf: bytes, start: int, stop: int, found: set[str]) -> None:
    for match in _PDF_NAME_RE.finditer(buf, start):
        if match.start() >= stop:
            break
        raw = _PDF_NAME_ESCAPE_RE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        name = raw.decode("latin-1")
        if name in _PDF_SCAN_NAMES:
            found.add(name)


# --------------------------------------------------------------------------
# JPEG
# --------------------------------------------------------------------------


def _check_jpeg(uploaded: File, name: str) -> None:
    max_side = _setting("APPEALS_IMAGE_MAX_SIDE", 12000)
    max_pixels = _setting("APPEALS_IMAGE_MAX_PIXELS", 40_000_000)
    uploaded.seek(0)
    try:
        with Image.open(_raw(uploaded), formats=["JPEG"]) as img:
            if img.format not in _PILLOW_JPEG_FORMATS:
                raise _error("image_damaged", name)
            width, height = img.size  # from the SOF header, nothing decoded yet
            if max(width, height) > max_side or width * height > max_pixels:
                raise _image_too_big(name, max_side, max_pixels)
            img.load()  # full decode: truncated data fails here
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own bomb guard, raised from the header before decoding.
        raise _image_too_big(name, max_side, max_pixels) from exc
    except Exception as exc:  # hostile input: any decoder failure means "damaged"
        raise _error("image_damaged", name) from exc


def _image_too_big(name: str, max_side: int, max_pixels: int) -> ValidationError:
    return _error("image_too_big", name, max_side=max_side, max_mpix=_format_mpix(max_pixels))


def _format_mpix(pixels: int) -> str:
    value = pixels / 1_000_000
    return (f"{value:.0f}" if value == int(value) else f"{value:.1f}").replace(".", ",")


def _sanitized_jpeg(uploaded: File, checked: CheckedFile) -> File:
    """Re-encode without EXIF/XMP/comments/thumbnails, keeping orientation,
    the ICC profile, DPI and the original quantisation tables."""
    # Spooled: small photos stay in memory, big ones go to a temporary file.
    # Returned open to the caller, closed here only if encoding fails.
    out = tempfile.SpooledTemporaryFile(max_size=2 * MB)
    try:
        with Image.open(_raw(uploaded), formats=["JPEG"]) as img:
            img.save(out, format="JPEG", **_clean_save_params(img))
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return File(out, name=f"attachment{checked.extension}")


def _clean_save_params(img: Image.Image) -> dict[str, Any]:
    params: dict[str, Any] = {
        "comment": b"",  # Pillow would otherwise copy the COM marker
        "progressive": bool(img.info.get("progressive")),
        **_keep_quality_params(img),
    }
    exif = _orientation_only_exif(img)
    if exif is not None:
        params["exif"] = exif
    if icc := img.info.get("icc_profile"):
        params["icc_profile"] = icc
    if dpi := img.info.get("dpi"):
        params["dpi"] = dpi
    return params


def _keep_quality_params(img: Image.Image) -> dict[str, Any]:
    if img.format == "JPEG":
        return {"quality": "keep"}
    # MPO (multi-picture phone photos): Pillow refuses "keep" for non-"JPEG"
    # formats, so pass the same tables "keep" would use.
    return {
        "qtables": getattr(img, "quantization", None),
        "subsampling": JpegImagePlugin.get_sampling(img),
    }


def _orientation_only_exif(img: Image.Image) -> bytes | None:
    """EXIF with nothing but Orientation: drops GPS, maker, model, serial,
    lens, software, dates and the embedded thumbnail."""
    try:
        orientation = img.getexif().get(_EXIF_ORIENTATION)
    except (OSError, ValueError, SyntaxError, TypeError, KeyError, struct.error):
        return None  # broken EXIF is dropped entirely, the picture is kept
    if not isinstance(orientation, int) or not 1 <= orientation <= 8:
        return None
    exif = Image.Exif()
    exif[_EXIF_ORIENTATION] = orientation
    return exif.tobytes()
