"""Admin: the letter templates (edited by the administrator) and the read-only print queue."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appeals.admin import PersonalDataAdmin
from appeals.models import AccessLogEntry
from appeals.services import access
from letters.defaults import SHIPPED
from letters.models import LetterTemplate, PostalLetter
from letters.templating import variables_help


def variables_html(kind: str) -> SafeString:
    """The list of context variables of a kind, for the help text."""
    items = format_html_join(
        "", "<li><code>{{{{ {} }}}}</code> — {}</li>", ((name, text) for name, text in variables_help(kind))
    )
    return format_html(
        "{}<br>{}<ul>{}</ul>",
        LetterTemplate._meta.get_field("body").help_text,
        _("Доступные переменные (в шаблоне Django: {{ переменная }}, даты — с фильтром date):"),
        items,
    )


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    """The kinds are fixed by code: rows are edited, never added or deleted."""

    list_display = ("kind_label", "subject", "updated_at", "updated_by")
    list_select_related = ("updated_by",)
    readonly_fields = ("kind", "updated_at", "updated_by")
    fields = ("kind", "subject", "body", "updated_at", "updated_by")
    actions = ["reset_to_shipped"]

    @admin.display(description=_("вид письма"), ordering="kind")
    def kind_label(self, obj: LetterTemplate) -> str:
        return str(obj.get_kind_display())

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "body" in form.base_fields:
            form.base_fields["body"].help_text = variables_html(obj.kind)
            form.base_fields["body"].widget.attrs.update({"rows": 24, "style": "width: 100%; font-family: monospace"})
        return form

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: LetterTemplate, form: Any, change: bool) -> None:
        obj.updated_by = request.user  # type: ignore[assignment]  # the admin's user is authenticated
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Вернуть поставляемый текст"), permissions=["change"])
    def reset_to_shipped(self, request: HttpRequest, queryset: QuerySet[LetterTemplate]) -> None:
        with transaction.atomic():
            count = 0
            for template in queryset.select_for_update(of=("self",)):
                template.subject, template.body = SHIPPED[template.kind]
                template.updated_by = request.user  # type: ignore[assignment]
                template.save()
                count += 1
        self.message_user(
            request, _("Восстановлен поставляемый текст шаблонов: %(count)d.") % {"count": count}, messages.SUCCESS
        )


@admin.register(PostalLetter)
class PostalLetterAdmin(PersonalDataAdmin):
    """The clerk's print queue, read-only: printing and dispatch come with their own screens.

    The clerks see every letter (they print and post them all); everyone else
    the letters of the appeals they may see. Each letter's page is logged.
    """

    list_display = ("created_at", "kind", "appeal", "addressee_first_line", "postal_index", "status", "tracking_number")
    list_filter = ("status", "kind")
    search_fields = ("=appeal__number", "=tracking_number")
    list_select_related = ("appeal",)
    raw_id_fields = ("appeal",)
    show_full_result_count = False
    readonly_fields = (
        "appeal", "kind", "addressee", "postal_index", "subject", "text", "pdf_path", "status", "created_at",
        "printed_at", "sent_at", "tracking_number",
    )
    log_action = AccessLogEntry.Action.VIEW_LETTER

    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return access.visible_postal_letters(request.user, queryset)

    def log_detail(self, obj: PostalLetter) -> str:
        return gettext("почтовое письмо № %(pk)s: %(kind)s") % {"pk": obj.pk, "kind": obj.get_kind_display()}

    @admin.display(description=_("адресат"))
    def addressee_first_line(self, obj: PostalLetter) -> str:
        return obj.addressee.splitlines()[0] if obj.addressee else ""
