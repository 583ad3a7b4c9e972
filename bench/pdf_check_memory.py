#!/usr/bin/env python
"""Why a worker's RSS saws up and down with large PDFs: what appeals.attachments.check_attachment leaves behind.

    .venv/bin/python bench/pdf_check_memory.py              # as the portal does it
    .venv/bin/python bench/pdf_check_memory.py --clear      # the suggested fix, tried here only

Checks the same ~9.5 MB scanned PDF N times in-process (no server, no
database) and prints the Python memory still allocated after each check
(tracemalloc) and the collector's generation counts. --clear empties
pypdf's cache of resolved objects (reader.resolved_objects) after each check,
by wrapping appeals.attachments._open_pdf inside this process only; the
application code is not changed.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-n", type=int, default=8)
    p.add_argument("--pdf-mb", type=float, default=9.5)
    p.add_argument("--clear", action="store_true", help="clear reader.resolved_objects after each check")
    args = p.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("SECRET_KEY", "bench")
    import django

    django.setup()
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from appeals import attachments
    from bench import common

    pdf = common.make_scan_pdf(int(args.pdf_mb * common.MB))
    readers = []
    original = attachments._open_pdf

    def capturing(*a, **kw):
        reader = original(*a, **kw)
        readers.append(reader)
        return reader

    attachments._open_pdf = capturing
    tracemalloc.start()
    print(f"PDF {len(pdf) / common.MB:.1f} MiB, {'clearing' if args.clear else 'not clearing'} the reader cache")
    for i in range(args.n):
        upload = TemporaryUploadedFile("scan.pdf", "application/pdf", len(pdf), None)
        upload.write(pdf)
        upload.seek(0)
        tracemalloc.reset_peak()
        attachments.check_attachment(upload)
        upload.close()
        reader = readers.pop()
        if args.clear:
            reader.resolved_objects.clear()
        del reader
        current, peak = tracemalloc.get_traced_memory()
        print(f"check {i + 1}: still allocated {current / common.MB:6.1f} MiB, peak during check "
              f"{peak / common.MB:6.1f} MiB, gc counts {gc.get_count()}")
    unreachable = gc.collect()
    print(f"gc.collect(): {unreachable} unreachable objects freed, still allocated "
          f"{tracemalloc.get_traced_memory()[0] / common.MB:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
