"""EXPERIMENT ONLY (bench/upload_memory.py --experiment): the portal with one suggested change applied at run time.

After appeals.attachments checks a PDF, pypdf's cache of resolved objects
(reader.resolved_objects) is emptied, so the stream data of the checked file
is freed at once instead of waiting in reference cycles for the garbage
collector. The application's code is not changed; this module wraps two
private functions inside the gunicorn worker only, to measure the effect.
"""

from __future__ import annotations

import functools
import threading

from appeals import attachments
from appeals_portal.wsgi import application  # noqa: F401  (sets Django up)

_local = threading.local()
_open_pdf = attachments._open_pdf
_check_pdf = attachments._check_pdf


@functools.wraps(_open_pdf)
def _open_pdf_remembered(*args, **kwargs):
    reader = _open_pdf(*args, **kwargs)
    _local.reader = reader
    return reader


@functools.wraps(_check_pdf)
def _check_pdf_then_clear(*args, **kwargs):
    try:
        return _check_pdf(*args, **kwargs)
    finally:
        reader = getattr(_local, "reader", None)
        _local.reader = None
        if reader is not None:
            reader.resolved_objects.clear()


attachments._open_pdf = _open_pdf_remembered
attachments._check_pdf = _check_pdf_then_clear
