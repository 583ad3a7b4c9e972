"""Django admin for appeals: officials read what arrived and download its files."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal, Attachment, surname_key

admin.site.site_header = _("Интернет-приёмная: обращения граждан")
admin.site.site_title = _("Обращения граждан")
admin.site.index_title = _("Работа с обращениями")


class AttachmentInline(admin.TabularInline):
    model = Attachment
    fk_name = "appeal"
    extra = 0
    can_delete = False
    fields = ("download", "content_type", "size", "sha256", "uploaded_at")
    readonly_fields = fields
    verbose_name_plural = _("вложения")

    def has_add_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        return False

    @admin.display(description=_("файл"))
    def download(self, attachment: Attachment) -> str:
        url = reverse("admin:appeals_appeal_attachment", args=[attachment.appeal_id, attachment.pk])
        return format_html('<a href="{}">{}</a>', url, attachment.original_name)


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = (
        "number", "received_at", "applicant", "topic_code", "kind", "reply_method", "attachment_count", "status",
    )
    list_filter = ("status", "kind", "reply_method", "channel", "received_at")
    # See get_search_results: the number or the start of the surname.
    search_fields = ("number",)
    search_help_text = _("Поиск по регистрационному номеру или по фамилии заявителя.")
    list_select_related = ("topic",)
    list_per_page = 50
    # The admin counts the whole table only for "N of M" after a search; a
    # million rows make that count slow and it adds little.
    show_full_result_count = False
    inlines = [AttachmentInline]
    readonly_fields = (
        "number", "status", "channel", "received_at", "registered_at",
        "last_name", "first_name", "patronymic", "address", "postal_index", "phone", "email", "reply_method",
        "topic_code", "topic_title", "kind", "text", "attachment_count",
        "identification_method", "identified_as", "consent_at",
    )
    fieldsets = (
        (_("Обращение"), {"fields": ("number", "status", "channel", "received_at", "registered_at")}),
        (_("Заявитель"), {"fields": (
            "last_name", "first_name", "patronymic", "address", "postal_index", "phone", "email", "reply_method",
        )}),
        (_("Содержание"), {"fields": ("topic_code", "topic_title", "kind", "text", "attachment_count")}),
        (_("Идентификация и согласие"), {"fields": ("identification_method", "identified_as", "consent_at")}),
    )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Appeal], search_term: str
    ) -> tuple[QuerySet[Appeal], bool]:
        """Find by the start of the number («ОГ-2026-0001») or of the surname («семенов»).

        Both are prefix matches on indexed columns; the admin's default
        search (icontains on several fields) would scan a million rows.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        if any(char.isdigit() for char in term) or term.upper().startswith(settings.APPEALS_NUMBER_PREFIX.upper()):
            return queryset.filter(number__startswith=term.upper()), False
        return queryset.filter(surname_key__startswith=surname_key(term)), False

    @admin.display(description=_("заявитель"), ordering="last_name")
    def applicant(self, appeal: Appeal) -> str:
        return appeal.short_name

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # appeals arrive through the site; other channels come with the registrar's workflow

    def has_delete_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        return False  # nothing is deleted: files are kept 5 years, then destroyed by an act

    def get_urls(self):
        urls = [
            path(
                "<int:appeal_id>/attachments/<int:attachment_id>/",
                self.admin_site.admin_view(self.download_attachment),
                name="appeals_appeal_attachment",
            ),
        ]
        return urls + super().get_urls()

    def download_attachment(self, request: HttpRequest, appeal_id: int, attachment_id: int) -> FileResponse:
        """Serve a file to staff who may see the appeal; there is no public URL for it."""
        appeal = get_object_or_404(self.get_queryset(request), pk=appeal_id)
        if not (self.has_view_permission(request, appeal) and request.user.has_perm("appeals.download_attachment")):
            raise PermissionDenied
        attachment = get_object_or_404(Attachment, pk=attachment_id, appeal=appeal)
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
