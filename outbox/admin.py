"""Admin: the outbox, read-only, for whoever operates the mail (the administrator).

Delivery metadata (kind, appeal number, status, attempts, times, the last
error) of every message is shown to those with the view right: that is how
a failing mailbox is noticed. The recipient, subject, text and attachment
are the citizen's letter: shown only to staff who may see the message's
appeal (appeals.services.access.can_read_contents), and those pages are
written to the access log.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appeals.admin import PersonalDataAdmin, message_kind_label
from appeals.models import AccessLogEntry
from appeals.services import access
from outbox.models import OutgoingMessage

# The error is shown with the address hidden (delivery_error) to those who may not read the letter.
METADATA_FIELDS = (
    "uid", "kind", "appeal", "status", "attempts", "delivery_error", "created_at", "next_attempt_at", "claimed_at",
    "sent_at",
)
CONTENT_FIELDS = ("to", "subject", "body_text", "attachment_name")
READER_FIELDS = tuple(
    "last_error" if name == "delivery_error" else name for name in METADATA_FIELDS
) + CONTENT_FIELDS


def mask_address(text: str, address: str) -> str:
    """The text with the recipient's address (and its mailbox name) hidden.

    An SMTP refusal names the recipient: «{'maria@mail.ru': (550, …)}».
    """
    if not text or not address:
        return text
    hidden = gettext("[адрес скрыт]")
    text = re.sub(re.escape(address), hidden, text, flags=re.IGNORECASE)
    local = address.partition("@")[0]
    if len(local) >= 3:
        text = re.sub(re.escape(local), hidden, text, flags=re.IGNORECASE)
    return text


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(PersonalDataAdmin):
    """Read-only: what was sent, how many attempts, the last error; to whom and what within the appeal's reach."""

    list_display = ("created_at", "kind_label", "appeal", "status", "attempts", "sent_at", "next_attempt_at")
    list_filter = ("status", "kind")
    search_fields = ("=appeal__number",)
    list_select_related = ("appeal",)
    raw_id_fields = ("appeal",)
    show_full_result_count = False
    readonly_fields = (*READER_FIELDS, "delivery_error")
    log_action = AccessLogEntry.Action.VIEW_LETTER

    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Every row's delivery metadata; its contents by shows_contents.
        return queryset

    def shows_contents(self, request: HttpRequest, obj: OutgoingMessage) -> bool:
        return access.can_read_contents(request.user, obj.appeal)

    def get_fields(self, request: HttpRequest, obj: OutgoingMessage | None = None) -> Any:
        if obj is not None and self.shows_contents(request, obj):
            return READER_FIELDS
        return METADATA_FIELDS

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # The list is filtered by the metadata only. Django lets a list be
        # filtered by any of its model's columns (?to__startswith=m): on the
        # address, the subject or the text that would tell, one letter at a
        # time, what the page hides.
        if lookup.split("__", 1)[0] not in {"status", "kind", "appeal", "created_at", "sent_at", "attempts"}:
            return False
        return super().lookup_allowed(lookup, value, request)

    def log_detail(self, obj: OutgoingMessage) -> str:
        return gettext("исходящее сообщение № %(pk)s: %(kind)s") % {"pk": obj.pk, "kind": message_kind_label(obj.kind)}

    @admin.display(description=_("вид"), ordering="kind")
    def kind_label(self, obj: OutgoingMessage) -> str:
        return message_kind_label(obj.kind)

    @admin.display(description=_("последняя ошибка"))
    def delivery_error(self, obj: OutgoingMessage) -> str:
        return mask_address(obj.last_error, obj.to)
