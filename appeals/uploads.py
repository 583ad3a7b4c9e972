"""Keep oversized uploads out: refuse huge bodies unread, drop files past the limit.

Two layers, because a body can lie about its size:
1. RequestSizeLimitMiddleware answers 413 to a request whose Content-Length is
   over APPEALS_MAX_REQUEST_BYTES, before anything parses the body (it is
   read and thrown away, so that the browser shows the answer).
2. AttachmentLimitUploadHandler counts the bytes of the files as they stream
   in; once they pass the attachment limit, the rest of the file is skipped
   (read from the socket and thrown away, never stored). The form's text
   fields are still parsed, so the citizen loses nothing they typed and is
   told which file did not fit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from appeals.attachments import format_mb

logger = logging.getLogger(__name__)

DISCARD_CHUNK = 64 * 1024
DISCARD_FACTOR = 4


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.APPEALS_MAX_REQUEST_BYTES and not request.path.startswith("/admin/"):
            # No "Connection: close" header: it is hop-by-hop, which PEP 3333
            # forbids an application to send, and wsgiref (under runserver)
            # asserted on it and answered 500 instead of this page.
            _discard_body(request, length)
            return render(
                request,
                "appeals/request_too_large.html",
                {
                    "size_mb": format_mb(length),
                    "max_mb": format_mb(settings.APPEALS_MAX_REQUEST_BYTES),
                    "limit_mb": format_mb(settings.APPEALS_ATTACHMENTS_MAX_TOTAL),
                },
                status=413,
            )
        return self.get_response(request)


def _discard_body(request: HttpRequest, length: int) -> None:
    """Read the refused body and throw it away, a chunk at a time, so the browser sees the page.

    A server that answers and closes while the browser is still sending
    makes the browser report a reset connection instead of the answer
    (gunicorn's sync workers close after every request). Nothing is parsed
    or kept. A body claiming more than DISCARD_FACTOR times the limit is not
    read: the server closes on it, and the browser shows its own error.
    """
    if length > settings.APPEALS_MAX_REQUEST_BYTES * DISCARD_FACTOR:
        return
    try:
        while request.read(DISCARD_CHUNK):
            pass
    except OSError:  # the client went away: nothing more to do
        logger.info("client closed the connection while an oversized body was discarded")


class AttachmentLimitUploadHandler(FileUploadHandler):
    """Skip every file byte past the attachment limit and remember which files were dropped."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.total = 0
        self.skipping = False

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.skipping = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.total += len(raw_data)
        if self.total > settings.APPEALS_ATTACHMENTS_MAX_TOTAL:
            if self.request is not None:
                # Read by the form view, which names each dropped file in its error.
                dropped = getattr(self.request, "dropped_uploads", [])
                dropped.append(self.file_name)
                setattr(self.request, "dropped_uploads", dropped)  # noqa: B010 - not an attribute HttpRequest declares
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
