"""Keep oversized uploads out: refuse huge bodies unread, drop files past the limit.

Two layers, because a body can lie about its size:
1. RequestSizeLimitMiddleware answers 413 to a request whose Content-Length is
   over APPEALS_MAX_REQUEST_BYTES, before anything reads the body.
2. AttachmentLimitUploadHandler counts the bytes of the files as they stream
   in; once they pass the attachment limit, the rest of the file is skipped
   (read from the socket and thrown away, never stored). The form's text
   fields are still parsed, so the citizen loses nothing they typed and is
   told which file did not fit.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.APPEALS_MAX_REQUEST_BYTES and not request.path.startswith("/admin/"):
            response = render(
                request,
                "appeals/request_too_large.html",
                {"limit_mb": settings.APPEALS_ATTACHMENTS_MAX_TOTAL // (1024 * 1024)},
                status=413,
            )
            # The body was not read: the connection cannot be reused.
            response["Connection"] = "close"
            return response
        return self.get_response(request)


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
