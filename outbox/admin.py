from django.contrib import admin
from django.http import HttpRequest

from outbox.models import OutgoingMessage


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(admin.ModelAdmin):
    """Read-only: what was sent, to whom, how many attempts, and the last error."""

    list_display = ("created_at", "kind", "appeal", "status", "attempts", "sent_at", "next_attempt_at")
    list_filter = ("status", "kind")
    search_fields = ("=appeal__number",)
    list_select_related = ("appeal",)
    raw_id_fields = ("appeal",)
    show_full_result_count = False
    readonly_fields = (
        "uid", "kind", "appeal", "to", "subject", "body_text", "status", "attempts", "last_error",
        "created_at", "next_attempt_at", "claimed_at", "sent_at",
    )
    exclude = ("body_html",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutgoingMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutgoingMessage | None = None) -> bool:
        return False
