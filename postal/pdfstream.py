"""One PDF written part by part: what is held at a time is one part, not the whole batch.

pypdf's PdfWriter keeps every page it was given until write(): for a batch
of 1,000 letters that is every letter's content and fonts, and the worker's
memory grows with the batch. StreamingPdf takes a small PdfWriter per part
(a chunk of letters with their envelopes), writes that part's objects to the
output file at once under new object numbers, keeps only the byte offsets
and the page numbers, and at the end writes one page tree, the catalogue
and the cross-reference table over them. The parts' objects are serialised
by pypdf's own objects' write_to_stream; only the references are renumbered.
"""

from __future__ import annotations

from typing import IO, Any, cast

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
)

PAGES_ID = 1
CATALOG_ID = 2


class StreamingPdf:
    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.offsets: dict[int, int] = {}
        self.page_ids: list[int] = []
        self.next_id = CATALOG_ID + 1
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    @property
    def page_count(self) -> int:
        return len(self.page_ids)

    def add_part(self, writer: PdfWriter) -> None:
        """Write every object of the part's writer except its page tree, catalogue and info."""
        info = getattr(writer, "_info_obj", None)
        skip = {_number(writer.root_object), writer._pages.idnum, _number(info) if info is not None else None}
        page_ids = {_number(page) for page in writer.pages}
        base = self.next_id - 1  # the part's object n becomes base + n
        for number, obj in enumerate(writer._objects, start=1):
            if obj is None or number in skip:
                continue
            if number in page_ids:
                # A shallow copy: the page's parent is the batch's tree.
                obj = DictionaryObject(cast(DictionaryObject, obj))
                # A reference out of the part: serialising adds base back, so it names PAGES_ID.
                obj[NameObject("/Parent")] = IndirectObject(PAGES_ID - base, 0, writer)
            self._write_object(base + number, obj, base)
        self.page_ids += [base + _number(page) for page in writer.pages]
        self.next_id = base + len(writer._objects) + 1

    def _write_object(self, number: int, obj: Any, base: int) -> None:
        self.offsets[number] = self.out.tell()
        self.out.write(f"{number} 0 obj\n".encode())
        _serialise(self.out, obj, base)
        self.out.write(b"\nendobj\n")

    def close(self) -> None:
        kids = " ".join(f"{number} 0 R" for number in self.page_ids)
        self.offsets[PAGES_ID] = self.out.tell()
        self.out.write(f"{PAGES_ID} 0 obj\n<< /Type /Pages /Kids [ {kids} ] /Count {len(self.page_ids)} >>\nendobj\n"
                       .encode())
        self.offsets[CATALOG_ID] = self.out.tell()
        self.out.write(f"{CATALOG_ID} 0 obj\n<< /Type /Catalog /Pages {PAGES_ID} 0 R >>\nendobj\n".encode())
        size = self.next_id
        xref = self.out.tell()
        lines = [f"xref\n0 {size}\n", "0000000000 65535 f \n"]
        for number in range(1, size):
            offset = self.offsets.get(number)
            lines.append(f"{offset:010d} 00000 n \n" if offset is not None else "0000000000 65535 f \n")
        self.out.write("".join(lines).encode())
        self.out.write(f"trailer\n<< /Size {size} /Root {CATALOG_ID} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())


def _number(obj: Any) -> int:
    """The object's number in its writer (every object a writer holds has one)."""
    reference = obj.indirect_reference
    assert reference is not None, "an object of a writer without a number"
    return int(reference.idnum)


def _serialise(out: IO[bytes], obj: Any, base: int) -> None:
    if isinstance(obj, IndirectObject):
        out.write(f"{obj.idnum + base} 0 R".encode())
    elif isinstance(obj, StreamObject):
        data = obj._data
        entries = DictionaryObject({key: value for key, value in obj.items() if key != "/Length"})
        entries[NameObject("/Length")] = NumberObject(len(data))
        _serialise_dict(out, entries, base)
        out.write(b"\nstream\n")
        out.write(data)
        out.write(b"\nendstream")
    elif isinstance(obj, DictionaryObject):
        _serialise_dict(out, obj, base)
    elif isinstance(obj, ArrayObject):
        out.write(b"[")
        for item in obj:
            out.write(b" ")
            _serialise(out, item, base)
        out.write(b" ]")
    else:
        obj.write_to_stream(out)


def _serialise_dict(out: IO[bytes], obj: DictionaryObject, base: int) -> None:
    out.write(b"<<")
    for key, value in obj.items():
        out.write(b"\n")
        NameObject(key).write_to_stream(out)
        out.write(b" ")
        _serialise(out, value, base)
    out.write(b"\n>>")
