"""Content checks of citizen attachments (appeals.attachments).

Every file is built here, in memory, so the tests show exactly which bytes
are accepted or refused.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import override_settings
from PIL import ExifTags, Image, ImageCms, ImageFile
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    TextStringObject,
)

from appeals import attachments
from appeals.attachments import (
    MAX_TOTAL_BYTES,
    PDF_EOF,
    CheckedFile,
    check_attachment,
    check_total_size,
    sanitized_content,
    short_file_name,
)
from tests.factories import make_pdf as make_scan_pdf

MB = 1024 * 1024

# --------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    # The browser's content type is deliberately wrong in most tests: it must
    # never influence the decision.
    return SimpleUploadedFile(name, data, content_type=content_type)


def refused(uploaded: File) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        check_attachment(uploaded)
    return info.value


def message_of(error: ValidationError) -> str:
    return str(error.messages[0])


def pdf_bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_writer(pages: int = 1) -> PdfWriter:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    return writer


def make_pdf(pages: int = 1) -> bytes:
    return pdf_bytes(blank_writer(pages))


def name(value: str) -> NameObject:
    return NameObject(value)


def action(kind: str, **entries: object) -> DictionaryObject:
    result = DictionaryObject({name("/S"): name(kind)})
    for key, value in entries.items():
        result[name(f"/{key}")] = value
    return result


def js_action() -> DictionaryObject:
    return action("/JavaScript", JS=TextStringObject("app.alert('x');"))


def rect() -> ArrayObject:
    return ArrayObject([FloatObject(10), FloatObject(10), FloatObject(50), FloatObject(50)])


def add_annotation(writer: PdfWriter, subtype: str, **entries: object) -> None:
    annot = DictionaryObject(
        {
            name("/Type"): name("/Annot"),
            name("/Subtype"): name(subtype),
            name("/Rect"): rect(),
        }
    )
    for key, value in entries.items():
        annot[name(f"/{key}")] = value
    page = writer.pages[0]
    page[name("/Annots")] = ArrayObject([writer._add_object(annot)])


def noise_bytes(count: int) -> bytes:
    # Seeded, so a failure can be reproduced byte for byte.
    return random.Random(count).randbytes(count)


def make_jpeg(
    size: tuple[int, int] = (64, 48),
    *,
    noise: bool = False,
    mode: str = "RGB",
    **save_params: object,
) -> bytes:
    if noise:
        channels = len(mode)
        img = Image.frombytes(mode, size, noise_bytes(size[0] * size[1] * channels))
    else:
        img = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 128)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90, **save_params)
    return out.getvalue()


def make_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="PNG")
    return out.getvalue()


def make_gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, format="GIF")
    return out.getvalue()


def patch_sof(jpeg: bytes, width: int, height: int) -> bytes:
    """Rewrite the frame size in the SOF0 header, leaving the scan data alone."""
    sof = jpeg.index(b"\xff\xc0")
    # FF C0, length (2), precision (1), height (2), width (2)
    return jpeg[: sof + 5] + struct.pack(">HH", height, width) + jpeg[sof + 9 :]


def pdf_with_object_stream(*, with_js: bool) -> bytes:
    """A PDF 1.5 whose catalog and OpenAction live in a compressed object
    stream, so "/JavaScript" never appears in the raw bytes.

    pypdf 7.1's writer cannot produce object streams, so it is built by hand:
    objects 1 (catalog) and 4 (action) in object stream 5, cross-reference
    stream 6.
    """
    catalog = b"<< /Type /Catalog /Pages 2 0 R" + (b" /OpenAction 4 0 R" if with_js else b"") + b" >>"
    js = b"<< /S /JavaScript /JS (app.alert\\(1\\);) >>"
    header = f"1 0 4 {len(catalog) + 1} ".encode()
    packed = header + catalog + b" " + js
    objstm = zlib.compress(packed)

    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}

    def emit(num: int, body: bytes) -> None:
        offsets[num] = len(out)
        out.extend(f"{num} 0 obj\n".encode() + body + b"\nendobj\n")

    emit(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    emit(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>")
    emit(
        5,
        f"<< /Type /ObjStm /N 2 /First {len(header)} /Filter /FlateDecode /Length {len(objstm)} >>\nstream\n".encode()
        + objstm
        + b"\nendstream",
    )
    offsets[6] = len(out)
    rows = [
        (0, 0, 65535),
        (2, 5, 0),
        (1, offsets[2], 0),
        (1, offsets[3], 0),
        (2, 5, 1),
        (1, offsets[5], 0),
        (1, offsets[6], 0),
    ]
    xref = b"".join(struct.pack(">BIH", *row) for row in rows)
    emit(
        6,
        f"<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length {len(xref)} >>\n".encode()
        + b"stream\n"
        + xref
        + b"\nendstream",
    )
    out.extend(f"startxref\n{offsets[6]}\n%%EOF\n".encode())
    return bytes(out)


def classic_pdf(objects: dict[int, bytes]) -> bytes:
    """A hand-written PDF with a classic xref table; object 1 is the catalog.
    For structures pypdf's writer refuses to produce (cycles, deep nesting)."""
    out = bytearray(b"%PDF-1.4\n")
    offsets: dict[int, int] = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out.extend(b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n")
    size = max(objects) + 1
    xref_at = len(out)
    out.extend(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    for num in range(1, size):
        out.extend(b"%010d 00000 n \n" % offsets[num] if num in offsets else b"0000000000 65535 f \n")
    out.extend(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref_at))
    return bytes(out)


ONE_PAGE = {
    1: b"<< /Type /Catalog /Pages 2 0 R >>",
    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
}


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------


@pytest.fixture(params=["full", "walk_only"])
def pdf_layer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a PDF test twice: with both defences, and with the byte scan
    switched off, so each case proves the pypdf object walk on its own."""
    if request.param == "walk_only":
        monkeypatch.setattr(attachments, "_scan_pdf_names", lambda stream: set())
    return request.param


@pytest.fixture
def load_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Record every attempt to decode pixel data."""
    calls: list[object] = []
    original = ImageFile.ImageFile.load

    def tracking_load(self: ImageFile.ImageFile) -> object:
        calls.append(self)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", tracking_load)
    yield calls


# --------------------------------------------------------------------------
# Accepted files
# --------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["appeal.pdf", "SCAN.PDF", "Жалоба.Pdf"])
def test_valid_pdf_is_accepted(filename: str) -> None:
    data = make_pdf(pages=2)
    uploaded = upload(filename, data, content_type="image/png")

    checked = check_attachment(uploaded)

    assert checked == CheckedFile(kind="pdf", content_type="application/pdf", extension=".pdf", size=len(data))
    assert uploaded.tell() == 0


@pytest.mark.parametrize("filename", ["photo.jpg", "photo.jpeg", "PHOTO.JPG", "Фото.JPEG"])
def test_valid_jpeg_is_accepted(filename: str) -> None:
    data = make_jpeg()
    uploaded = upload(filename, data, content_type="application/pdf")

    checked = check_attachment(uploaded)

    assert checked == CheckedFile(kind="jpeg", content_type="image/jpeg", extension=".jpg", size=len(data))
    assert uploaded.tell() == 0


def test_grayscale_and_cmyk_jpeg_are_accepted() -> None:
    assert check_attachment(upload("a.jpg", make_jpeg(mode="L"))).kind == "jpeg"
    assert check_attachment(upload("b.jpg", make_jpeg(mode="CMYK"))).kind == "jpeg"


@pytest.mark.parametrize(
    "prefix",
    [
        pytest.param(b"<html><body><script>alert(document.cookie)</script></body></html>\n", id="html"),
        pytest.param(b"\x00" * 300, id="zeros"),
        pytest.param(b" ", id="one-space"),
    ],
)
def test_bytes_before_the_pdf_header_make_it_not_a_pdf(prefix: bytes) -> None:
    # Issue 8: readers tolerate up to 1 KB before %PDF, but a browser sniffing
    # the file sees what comes first; HTML there would render as a page.
    data = prefix + make_pdf()
    assert len(PdfReader(io.BytesIO(data)).pages) == 1  # pypdf itself would read it

    assert refused(upload("mail.pdf", data)).code == "unsupported_type"


def test_files_on_disk_are_checked_too() -> None:
    # Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE arrive as TemporaryUploadedFile.
    data = make_jpeg((400, 300), noise=True)
    uploaded = TemporaryUploadedFile("photo.jpg", "image/jpeg", len(data), None)
    try:
        uploaded.write(data)
        uploaded.seek(0)

        checked = check_attachment(uploaded)
        stored = sanitized_content(uploaded, checked)

        assert checked.size == len(data)
        assert uploaded.tell() == 0
        with Image.open(stored) as img:
            assert img.size == (400, 300)
    finally:
        uploaded.close()


def test_pdf_with_object_streams_but_no_active_content_is_accepted(
    pdf_layer: str,
) -> None:
    data = pdf_with_object_stream(with_js=False)

    assert check_attachment(upload("modern.pdf", data)).kind == "pdf"


def test_pdf_streams_are_not_searched_by_the_byte_scan() -> None:
    # Words inside page content (here a comment in the content stream) are
    # not PDF objects and must not get a harmless file refused.
    writer = blank_writer()
    content = DecodedStreamObject()
    content.set_data(b"% /JavaScript /Launch /JS /EmbeddedFile\n")
    writer.pages[0][name("/Contents")] = writer._add_object(content)
    data = pdf_bytes(writer)
    assert b"/JavaScript /Launch" in data  # uncompressed, visible in the bytes

    assert check_attachment(upload("text.pdf", data)).kind == "pdf"


# --------------------------------------------------------------------------
# Size and type
# --------------------------------------------------------------------------


def test_empty_file_is_refused() -> None:
    error = refused(upload("empty.pdf", b""))

    assert error.code == "empty"
    assert "empty.pdf" in message_of(error)


def test_file_over_the_limit_is_refused() -> None:
    data = make_pdf()
    data += b"\n%" + b"x" * (MAX_TOTAL_BYTES - len(data))  # one byte too many

    error = refused(upload("big.pdf", data))

    assert error.code == "too_large"
    assert "big.pdf" in message_of(error)
    assert "10 МБ" in message_of(error)


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        pytest.param("photo.jpg", make_png(), id="png-renamed-jpg"),
        pytest.param("photo.jpeg", make_gif(), id="gif-renamed-jpeg"),
        pytest.param("letter.pdf", "Прошу рассмотреть".encode(), id="text-renamed-pdf"),
        pytest.param("letter.pdf", b"PK\x03\x04" + b"\x00" * 100, id="docx-renamed-pdf"),
        pytest.param("setup.jpg", b"MZ\x90\x00" + b"\x00" * 100, id="exe-renamed-jpg"),
        pytest.param(
            "page.pdf",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            id="html",
        ),
        pytest.param("late.pdf", b" " * 1024 + make_pdf(), id="pdf-header-after-1024-bytes"),
        pytest.param("half.jpg", b"\xff\xd8" + b"\x00" * 100, id="two-byte-jpeg-signature"),
    ],
)
def test_unsupported_content_is_refused(filename: str, data: bytes) -> None:
    error = refused(upload(filename, data, content_type="application/pdf"))

    assert error.code == "unsupported_type"
    assert filename in message_of(error)
    assert "PDF, JPG, JPEG" in message_of(error)


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        pytest.param("photo.pdf", make_jpeg(), id="jpeg-named-pdf"),
        pytest.param("photo.png", make_jpeg(), id="jpeg-named-png"),
        pytest.param("photo", make_jpeg(), id="jpeg-without-extension"),
        pytest.param("letter.jpg", make_pdf(), id="pdf-named-jpg"),
        pytest.param("letter.pdf.exe", make_pdf(), id="pdf-named-exe"),
    ],
)
def test_extension_must_match_content(filename: str, data: bytes) -> None:
    error = refused(upload(filename, data))

    assert error.code == "extension_mismatch"
    assert filename in message_of(error)


# --------------------------------------------------------------------------
# PDF: damaged, encrypted, too long
# --------------------------------------------------------------------------


def test_truncated_pdf_is_refused() -> None:
    data = make_pdf(pages=3)

    error = refused(upload("cut.pdf", data[: len(data) // 2]))

    assert error.code == "pdf_damaged"
    assert "cut.pdf" in message_of(error)


def test_pdf_cut_before_xref_but_with_eof_marker_is_refused() -> None:
    # %%EOF is present, but the body is gone: pypdf must fail on the pages.
    data = make_pdf()
    error = refused(upload("cut.pdf", data[:20] + b"\n%%EOF\n"))

    assert error.code == "pdf_damaged"


@pytest.mark.parametrize(
    "junk",
    [
        pytest.param(b"\x00" * 2048, id="zeros"),
        pytest.param(b"\r\n" * 3000, id="line-ends"),
        pytest.param(random.Random(7).randbytes(300_000), id="random-bytes"),
    ],
)
def test_a_scan_with_bytes_after_its_eof_marker_is_accepted(junk: bytes) -> None:
    # Issue 8: scanners and mail gateways append bytes after %%EOF; readers
    # ignore them, and refusing such a file loses a real scan.
    data = make_scan_pdf(padding=200_000) + junk
    assert PDF_EOF not in data[-1024:]
    assert len(PdfReader(io.BytesIO(data)).pages) == 1

    assert check_attachment(upload("tail.pdf", data)).kind == "pdf"


def test_a_pdf_whose_incremental_update_was_cut_off_is_refused() -> None:
    # The bytes after the last %%EOF start a new object: the end of the file
    # is missing, and a reader would show the older revision.
    data = make_pdf() + b"\n7 0 obj\n<< /Type /Annot /Subtype /Text /Contents (Added later) >>\nendobj\n"

    assert refused(upload("cut.pdf", data)).code == "pdf_damaged"


def test_bytes_after_the_eof_marker_are_scanned_for_active_content() -> None:
    data = make_pdf() + b"\x00" * 2048 + b"<< /S /JavaScript /JS (app.alert(1)) >>"

    assert refused(upload("tail.pdf", data)).code == "pdf_active_content"


def test_a_pdf_without_any_eof_marker_is_refused() -> None:
    data = make_pdf().replace(b"%%EOF", b"")

    assert refused(upload("cut.pdf", data)).code == "pdf_damaged"


LONG_RUSSIAN_NAME = (
    "Заявление о предоставлении копии решения комиссии по рассмотрению обращений граждан "
    "от 12 марта 2026 года, страница 1.pdf"
)


def test_a_valid_pdf_with_a_long_russian_name_is_accepted() -> None:
    # Issue 8: the name was cut to 80 characters before the extension check,
    # so «….pdf» lost its «.pdf» and the file was refused.
    assert len(LONG_RUSSIAN_NAME) > 80

    checked = check_attachment(upload(LONG_RUSSIAN_NAME, make_pdf()))

    assert checked.kind == "pdf"


def test_a_long_name_is_shortened_for_display_with_its_extension_kept() -> None:
    shown = short_file_name(LONG_RUSSIAN_NAME)

    assert len(shown) == attachments.DISPLAY_NAME_MAX == 80
    assert shown.startswith("Заявление о предоставлении") and shown.endswith("страница 1.pdf")
    assert "…" in shown
    assert short_file_name("Справка.pdf") == "Справка.pdf"
    # A long "extension" is part of the name: cut like a name, still 80.
    assert len(short_file_name("a." + "б" * 200)) == 80


def test_a_message_about_a_long_name_names_it_shortened() -> None:
    name = "Фотография " + "очень " * 30 + "длинная.pdf"
    error = refused(upload(name, make_jpeg()))

    assert error.code == "extension_mismatch"
    assert "«" + short_file_name(name) + "»" in message_of(error)


def test_garbage_after_pdf_header_is_refused() -> None:
    data = b"%PDF-1.7\n" + noise_bytes(4000).replace(b"%%EOF", b"") + b"\n%%EOF\n"

    assert refused(upload("junk.pdf", data)).code == "pdf_damaged"


def test_pdf_without_pages_is_refused() -> None:
    data = pdf_bytes(PdfWriter())

    assert refused(upload("nothing.pdf", data)).code == "pdf_damaged"


@pytest.mark.parametrize(
    ("user_password", "owner_password"),
    [("secret", "owner"), ("", "owner")],
    ids=["user-password", "empty-user-password"],
)
def test_encrypted_pdf_is_refused(user_password: str, owner_password: str, pdf_layer: str) -> None:
    writer = blank_writer()
    writer.encrypt(user_password, owner_password, algorithm="RC4-128")
    data = pdf_bytes(writer)
    assert PdfReader(io.BytesIO(data)).is_encrypted  # the fixture is what we think

    error = refused(upload("locked.pdf", data))

    assert error.code == "pdf_encrypted"
    assert "locked.pdf" in message_of(error)


@override_settings(APPEALS_PDF_MAX_PAGES=2)
def test_pdf_over_the_page_limit_is_refused() -> None:
    assert check_attachment(upload("two.pdf", make_pdf(pages=2))).kind == "pdf"
    error = refused(upload("three.pdf", make_pdf(pages=3)))

    assert error.code == "pdf_too_many_pages"
    assert "3" in message_of(error)


def test_hand_written_pdf_is_accepted() -> None:
    # Guards the builder used by the hostile-structure tests below.
    assert check_attachment(upload("plain.pdf", classic_pdf(ONE_PAGE))).kind == "pdf"


@pytest.mark.timeout(30)
def test_reference_cycles_do_not_hang_the_walk() -> None:
    objects = {
        **ONE_PAGE,
        1: b"<< /Type /Catalog /Pages 2 0 R /Loop 4 0 R >>",
        4: b"<< /Next 5 0 R >>",
        5: b"<< /Next 4 0 R /Self 5 0 R >>",
    }

    assert check_attachment(upload("loop.pdf", classic_pdf(objects))).kind == "pdf"


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "objects",
    [
        pytest.param(
            {**ONE_PAGE, 2: b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 >>"},
            id="page-tree-cycle",
        ),
        pytest.param(
            {
                **ONE_PAGE,
                1: b"<< /Type /Catalog /Pages 2 0 R /Deep 4 0 R >>",
                4: b"[" * 20000 + b"]" * 20000,
            },
            id="deeply-nested-arrays",
        ),
        pytest.param(
            {
                **ONE_PAGE,
                2: b"<< /Type /Pages /Kids [" + b"3 0 R " * 300_000 + b"] /Count 1 >>",
            },
            id="huge-kids-array",
        ),
    ],
)
def test_hostile_pdf_structure_is_refused_quickly(objects: dict[int, bytes]) -> None:
    assert refused(upload("hostile.pdf", classic_pdf(objects))).code == "pdf_damaged"


def test_pdf_too_complex_to_walk_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attachments, "PDF_MAX_WALK_NODES", 3)

    assert refused(upload("maze.pdf", make_pdf(pages=5))).code == "pdf_too_complex"


# --------------------------------------------------------------------------
# PDF: active content
# --------------------------------------------------------------------------


def _document_js(writer: PdfWriter) -> None:
    writer.add_open_action(JavaScript("app.alert('document level');"))  # /Names /JavaScript


def _open_action_js(writer: PdfWriter) -> None:
    writer.root_object[name("/OpenAction")] = writer._add_object(js_action())


def _page_aa_js(writer: PdfWriter) -> None:
    writer.pages[0][name("/AA")] = DictionaryObject({name("/O"): js_action()})


def _launch_annotation(writer: PdfWriter) -> None:
    launch = action("/Launch", F=TextStringObject("C:\\Windows\\System32\\calc.exe"))
    add_annotation(writer, "/Link", A=launch)


def _launch_open_action(writer: PdfWriter) -> None:
    launch = action("/Launch", F=TextStringObject("cmd.exe"))
    writer.root_object[name("/OpenAction")] = writer._add_object(launch)


def _embedded_file(writer: PdfWriter) -> None:
    writer.add_attachment("invoice.exe", b"MZ payload")


def _file_attachment_annotation(writer: PdfWriter) -> None:
    spec = DictionaryObject({name("/Type"): name("/Filespec"), name("/F"): TextStringObject("a.txt")})
    add_annotation(writer, "/FileAttachment", FS=spec)


def _rich_media(writer: PdfWriter) -> None:
    add_annotation(writer, "/RichMedia")


def _xfa_form(writer: PdfWriter) -> None:
    writer.root_object[name("/AcroForm")] = DictionaryObject(
        {name("/Fields"): ArrayObject(), name("/XFA"): TextStringObject("<xdp:xdp/>")}
    )


def _submit_form_field(writer: PdfWriter) -> None:
    submit = action("/SubmitForm", F=TextStringObject("http://example.invalid/"))
    add_annotation(writer, "/Widget", FT=name("/Btn"), T=TextStringObject("send"), A=submit)
    writer.root_object[name("/AcroForm")] = DictionaryObject({name("/Fields"): ArrayObject(writer.pages[0]["/Annots"])})


def _form_field_js(writer: PdfWriter) -> None:
    calc = DictionaryObject({name("/C"): js_action()})
    add_annotation(writer, "/Widget", FT=name("/Tx"), T=TextStringObject("sum"), AA=calc)


def _import_data(writer: PdfWriter) -> None:
    imported = action("/ImportData", F=TextStringObject("data.fdf"))
    writer.root_object[name("/OpenAction")] = writer._add_object(imported)


def _outline_js(writer: PdfWriter) -> None:
    item = writer.add_outline_item(title="Глава 1", page_number=0)
    target = item.get_object() if isinstance(item, IndirectObject) else item
    target[name("/A")] = js_action()


ACTIVE_CONTENT: dict[str, Callable[[PdfWriter], None]] = {
    "document-javascript": _document_js,
    "open-action-javascript": _open_action_js,
    "page-aa-javascript": _page_aa_js,
    "launch-annotation": _launch_annotation,
    "launch-open-action": _launch_open_action,
    "embedded-file": _embedded_file,
    "file-attachment-annotation": _file_attachment_annotation,
    "rich-media": _rich_media,
    "xfa-form": _xfa_form,
    "submit-form": _submit_form_field,
    "form-field-javascript": _form_field_js,
    "import-data": _import_data,
    "outline-javascript": _outline_js,
}


@pytest.mark.parametrize("build", ACTIVE_CONTENT.values(), ids=ACTIVE_CONTENT.keys())
def test_pdf_with_active_content_is_refused(build: Callable[[PdfWriter], None], pdf_layer: str) -> None:
    writer = blank_writer()
    build(writer)

    error = refused(upload("active.pdf", pdf_bytes(writer)))

    assert error.code == "pdf_active_content"
    assert "active.pdf" in message_of(error)


def test_javascript_in_compressed_object_stream_is_refused() -> None:
    data = pdf_with_object_stream(with_js=True)
    # The premise: the byte scan alone is blind to it, only the walk sees it.
    assert b"JavaScript" not in data
    assert attachments._scan_pdf_names(io.BytesIO(data)) == set()

    assert refused(upload("hidden.pdf", data)).code == "pdf_active_content"


def test_unreferenced_javascript_object_is_caught_by_the_byte_scan() -> None:
    # Not reachable from the catalog, so the walk cannot see it, but a
    # reader that rebuilds the cross-reference table might.
    data = make_pdf()
    header_end = data.index(b"\n") + 1
    orphan = b"99 0 obj\n<< /S /J#61vaScript /JS (app.alert\\(1\\)) >>\nendobj\n"
    data = data[:header_end] + orphan + data[header_end:]

    assert refused(upload("orphan.pdf", data)).code == "pdf_active_content"


@pytest.mark.parametrize("chunk", [1, 7, 600, 1 << 20])
def test_byte_scan_handles_chunk_borders(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attachments, "_SCAN_CHUNK", chunk)
    hidden_in_stream = b"1 0 obj\n<< /Length 30 >>\nstream\n/JS /Launch binary \x00\xff\nendstream\nendobj\n"
    visible = (
        b"2 0 obj\n<< /S /J#61vaScript /F (x) >>\nendobj\n3 0 obj\n<</Type/EmbeddedFile>>stream\r\nzz\nendstream\n"
    )
    padding = b"4 0 obj\n(" + b"a" * 700 + b")\nendobj\n"

    data = hidden_in_stream + padding + visible + padding

    assert attachments._scan_pdf_names(io.BytesIO(data)) == {
        "JavaScript",
        "EmbeddedFile",
    }
    assert attachments._scan_pdf_names(io.BytesIO(hidden_in_stream + padding)) == set()


# --------------------------------------------------------------------------
# JPEG
# --------------------------------------------------------------------------


def test_truncated_jpeg_is_refused() -> None:
    data = make_jpeg((256, 256), noise=True)

    error = refused(upload("photo.jpg", data[: len(data) // 2]))

    assert error.code == "image_damaged"
    assert "photo.jpg" in message_of(error)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@pytest.mark.parametrize(
    ("width", "height"),
    [
        pytest.param(60000, 60000, id="decompression-bomb"),
        pytest.param(13000, 100, id="side-over-12000"),
        pytest.param(7000, 7000, id="pixels-over-40-million"),
    ],
)
def test_huge_jpeg_is_refused_without_decoding(width: int, height: int, load_calls: list[object]) -> None:
    data = patch_sof(make_jpeg((16, 16)), width, height)
    sof = data.index(b"\xff\xc0")
    assert struct.unpack(">HH", data[sof + 5 : sof + 9]) == (height, width)

    error = refused(upload("huge.jpg", data))

    assert error.code == "image_too_big"
    assert "huge.jpg" in message_of(error)
    assert load_calls == []


@override_settings(APPEALS_IMAGE_MAX_SIDE=50)
def test_image_limits_come_from_settings() -> None:
    assert check_attachment(upload("small.jpg", make_jpeg((50, 10)))).kind == "jpeg"
    assert refused(upload("wide.jpg", make_jpeg((51, 10)))).code == "image_too_big"


# --------------------------------------------------------------------------
# Sanitizing
# --------------------------------------------------------------------------

GPS_IFD = ExifTags.IFD.GPSInfo
EXIF_IFD = ExifTags.IFD.Exif
PRIVATE_TAGS = {
    ExifTags.Base.Make: "SecretMaker",
    ExifTags.Base.Model: "SecretModel",
    ExifTags.Base.Software: "SecretSoftware",
    ExifTags.Base.DateTime: "2024:01:02 03:04:05",
    ExifTags.Base.Artist: "Иванов И. И.",
}


def private_jpeg() -> tuple[bytes, bytes]:
    """A phone-like photo: GPS, camera, serial, XMP, comment, ICC profile, Orientation=6."""
    exif = Image.Exif()
    for tag, value in PRIVATE_TAGS.items():
        exif[tag] = value
    exif[ExifTags.Base.Orientation] = 6
    gps = exif.get_ifd(GPS_IFD)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (55.0, 45.0, 21.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (37.0, 37.0, 4.0)
    details = exif.get_ifd(EXIF_IFD)
    details[ExifTags.Base.BodySerialNumber] = "SecretSerial"
    details[ExifTags.Base.LensModel] = "SecretLens"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = make_jpeg(
        (120, 80),
        noise=True,
        exif=exif,
        icc_profile=icc,
        comment=b"SecretComment",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SecretXmp</x:xmpmeta>',
        dpi=(300, 300),
    )
    return data, icc


def test_sanitized_jpeg_has_no_private_metadata_but_keeps_orientation_and_icc() -> None:
    data, icc = private_jpeg()
    for secret in (b"SecretMaker", b"SecretSerial", b"SecretComment", b"SecretXmp"):
        assert secret in data  # the fixture really carries it
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(GPS_IFD)
        quantization = original.quantization

    uploaded = upload("photo.jpg", data)
    checked = check_attachment(uploaded)
    stored = sanitized_content(uploaded, checked)
    clean = stored.read()

    for secret in (b"Secret", b"xmpmeta", b"2024:01:02", "Иванов".encode()):
        assert secret not in clean
    with Image.open(io.BytesIO(clean)) as img:
        exif = img.getexif()
        assert dict(exif) == {ExifTags.Base.Orientation: 6}
        assert not exif.get_ifd(GPS_IFD)
        assert not exif.get_ifd(EXIF_IFD)
        assert "comment" not in img.info
        assert "xmp" not in img.info
        assert img.info.get("icc_profile") == icc
        assert img.info.get("dpi") == (300, 300)
        assert img.size == (120, 80)
        assert img.quantization == quantization  # quality='keep'
        img.load()
    assert stored.name.endswith(".jpg")
    assert uploaded.tell() == 0


def test_sanitized_jpeg_without_exif_has_none() -> None:
    uploaded = upload("plain.jpg", make_jpeg((30, 20)))
    stored = sanitized_content(uploaded, check_attachment(uploaded))

    with Image.open(stored) as img:
        assert not img.getexif()
        assert img.size == (30, 20)
        img.load()


def test_multi_picture_phone_jpeg_is_accepted_and_sanitized() -> None:
    # Many phones write MPO (a JPEG with extra pictures); Pillow calls it "MPO".
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretMaker"
    exif[ExifTags.Base.Orientation] = 3
    first = Image.frombytes("RGB", (40, 30), noise_bytes(40 * 30 * 3))
    second = Image.new("RGB", (40, 30))
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[second], exif=exif)
    data = out.getvalue()
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "MPO"

    uploaded = upload("phone.jpg", data)
    checked = check_attachment(uploaded)
    clean = sanitized_content(uploaded, checked).read()

    assert checked.kind == "jpeg"
    assert b"SecretMaker" not in clean
    with Image.open(io.BytesIO(clean)) as img:
        assert img.format == "JPEG"
        assert dict(img.getexif()) == {ExifTags.Base.Orientation: 3}
        assert img.size == (40, 30)


@pytest.mark.parametrize("mode", ["L", "CMYK"])
def test_sanitized_grayscale_and_cmyk_jpeg_keep_their_colours(mode: str) -> None:
    uploaded = upload("scan.jpg", make_jpeg((32, 24), mode=mode, noise=True))
    with Image.open(io.BytesIO(uploaded.read())) as original:
        original.load()
        pixels = original.getpixel((5, 5))
    uploaded.seek(0)

    stored = sanitized_content(uploaded, check_attachment(uploaded))

    with Image.open(stored) as img:
        assert img.mode == mode
        assert img.size == (32, 24)
        # Same tables, same decoder: colours stay close (a CMYK inversion
        # mistake would flip them completely).
        got = img.getpixel((5, 5))
        assert isinstance(got, tuple) == isinstance(pixels, tuple)
        channels = got if isinstance(got, tuple) else (got,)
        expected = pixels if isinstance(pixels, tuple) else (pixels,)
        assert all(abs(a - b) <= 24 for a, b in zip(channels, expected, strict=True))


def test_unnamed_file_is_reported_as_unnamed() -> None:
    error = refused(File(io.BytesIO(b"")))  # a plain File may have no name at all

    assert error.code == "empty"
    assert "без имени" in message_of(error)


@pytest.mark.parametrize(
    ("filename", "data"),
    [("photo.jpg", make_jpeg((40, 30), noise=True)), ("letter.pdf", make_pdf())],
    ids=["jpeg", "pdf"],
)
def test_sanitized_content_can_be_saved_by_a_storage(filename: str, data: bytes, tmp_path: Path) -> None:
    uploaded = upload(filename, data)
    checked = check_attachment(uploaded)
    content = sanitized_content(uploaded, checked)

    stored_name = FileSystemStorage(location=tmp_path).save(f"generated{checked.extension}", content)

    saved = (tmp_path / stored_name).read_bytes()
    assert len(saved) == content.size > 0
    assert check_attachment(upload(stored_name, saved)) == CheckedFile(
        kind=checked.kind, content_type=checked.content_type, extension=checked.extension, size=len(saved)
    )


def test_sanitized_pdf_is_unchanged() -> None:
    data = make_pdf()
    uploaded = upload("letter.pdf", data)

    stored = sanitized_content(uploaded, check_attachment(uploaded))

    assert stored.read() == data


# --------------------------------------------------------------------------
# Total size
# --------------------------------------------------------------------------


def test_total_size_over_the_limit_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        check_total_size([6 * MB, 4 * MB + MB // 2])

    assert info.value.code == "total_too_large"
    message = message_of(info.value)
    assert "10 МБ" in message
    assert "10,5 МБ" in message


def test_total_size_just_over_the_limit_never_shows_as_the_limit() -> None:
    with pytest.raises(ValidationError) as info:
        check_total_size([MAX_TOTAL_BYTES, 1])

    assert "10,1 МБ" in message_of(info.value)


def test_total_size_at_the_limit_is_accepted() -> None:
    check_total_size([5 * MB, 5 * MB])
    check_total_size([])


def test_pdf_with_megabytes_of_bare_syntax_is_refused_before_pypdf_parses_it(settings) -> None:
    """A giant string in the document info costs pypdf seconds of CPU per megabyte."""
    settings.APPEALS_PDF_MAX_SYNTAX_BYTES = 500_000
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Padding": "x" * 600_000})
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(ValidationError) as exc:
        check_attachment(SimpleUploadedFile("big-string.pdf", buffer.getvalue()))
    assert exc.value.code == "pdf_too_complex"


def test_a_large_scan_is_not_mistaken_for_bare_syntax(settings) -> None:
    from tests.factories import make_pdf

    settings.APPEALS_PDF_MAX_SYNTAX_BYTES = 500_000
    checked = check_attachment(SimpleUploadedFile("scan.pdf", make_pdf(padding=2_000_000)))
    assert checked.kind == "pdf"
