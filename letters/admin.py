"""Admin: the letter templates, edited by the administrator."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from letters.defaults import SHIPPED
from letters.models import AnswerFragment, LetterTemplate
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


# The print queue (PostalLetter's admin) is the postal app's: postal/admin.py.


@admin.register(AnswerFragment)
class AnswerFragmentAdmin(admin.ModelAdmin):
    """The standard passages the executors insert into their drafts (issue 10 item 4)."""

    list_display = ("title", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("title", "text")
    fields = ("title", "text", "order", "is_active")
