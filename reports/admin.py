"""The public review in the admin: the head writes its text, the administrator publishes it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from reports import review
from reports.models import PublicReview


@admin.register(PublicReview)
class PublicReviewAdmin(admin.ModelAdmin):
    list_display = ("__str__", "published_at", "public_link")
    readonly_fields = ("published_at", "published_by", "public_link")
    fields = ("year", "quarter", "text", "published_at", "published_by", "public_link")
    actions = ("publish_selected", "unpublish_selected")

    @admin.display(description=_("публичная страница"))
    def public_link(self, obj: PublicReview) -> str:
        if not obj.pk or not obj.is_published:
            return "—"
        return format_html('<a href="{}">{}</a>', review.public_url(obj), _("открыть"))

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("reports.publish_publicreview")

    @admin.action(description=_("Опубликовать выбранные обзоры"), permissions=["publish"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[PublicReview]) -> None:
        for item in queryset:
            review.publish(item, request.user)
        self.message_user(request, _("Опубликовано: %(n)d.") % {"n": len(queryset)}, messages.SUCCESS)

    @admin.action(description=_("Снять с публикации"), permissions=["publish"])
    def unpublish_selected(self, request: HttpRequest, queryset: QuerySet[PublicReview]) -> None:
        count = queryset.update(published_at=None, published_by=None)
        self.message_user(request, _("Снято с публикации: %(n)d.") % {"n": count}, messages.SUCCESS)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A published review is a public document: its text changes only after it is taken down.
        if obj is not None and obj.is_published:
            return ("year", "quarter", "text", *self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: PublicReview, form: Any, change: bool) -> None:
        obj.text = obj.text.strip()
        super().save_model(request, obj, form, change)


