"""The head's side of the published answers: edit the texts, check them, publish, take down."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal
from publications import services
from publications.models import PublishedAnswer


class PublishedAnswerForm(forms.ModelForm):
    """Validates what the head typed: the appeal within their scope, no personal data in any text."""

    class Meta:
        model = PublishedAnswer
        fields = ("source_appeal", "topic", "title", "question", "answer")

    user: Any = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        appeal = cleaned.get("source_appeal")
        try:
            services.check_source(self.user, appeal)
        except services.PublicationError as exc:
            for field, message in exc.fields.items():
                self.add_error(field, message)
            return cleaned
        texts = {field: cleaned.get(field) or "" for field in services.TEXT_FIELDS}
        for field, message in services.personal_data_errors(texts, appeal).items():
            self.add_error(field, message)
        return cleaned


@admin.register(PublishedAnswer)
class PublishedAnswerAdmin(admin.ModelAdmin):
    form = PublishedAnswerForm
    list_display = ("title", "topic", "published_at", "public_link")
    list_filter = ("topic",)
    list_select_related = ("topic",)
    search_fields = ("title",)
    raw_id_fields = ("source_appeal",)
    readonly_fields = ("published_at", "published_by", "public_link")
    fields = ("source_appeal", "topic", "title", "question", "answer", "published_at", "published_by",
              "public_link")
    actions = ("unpublish_selected",)
    # The public page is linked in the form (public_link); Django's shortcut would skip the admin's rules.
    view_on_site = False

    @admin.display(description=_("страница на сайте"))
    def public_link(self, obj: PublishedAnswer) -> str:
        if not obj.pk or not obj.is_published:
            return "—"
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("открыть"))

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return services.may_publish(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and self.has_publish_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self.has_publish_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A page once public is taken down, not deleted: its address may sit in an art. 11 part 5.1 notice.
        return False

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user  # type: ignore[attr-defined]  # read by PublishedAnswerForm.clean
        return form

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """From ?source_appeal=<id>: the appeal's topic, text and signed answer, for the head to edit."""
        initial = super().get_changeform_initial_data(request)
        appeal_id = request.GET.get("source_appeal", "")
        appeal = Appeal.objects.filter(pk=appeal_id).first() if appeal_id.isdigit() else None
        if appeal is not None:
            try:
                services.check_source(request.user, appeal)
            except services.PublicationError:
                return {}
            initial.update(services.draft_from_appeal(appeal))
        return initial

    def save_model(self, request: HttpRequest, obj: PublishedAnswer, form: Any, change: bool) -> None:
        # The form checked the texts already; the service checks again and publishes.
        services.publish_answer(obj, request.user)

    def response_add(self, request: HttpRequest, obj: PublishedAnswer, post_url_continue: Any = None) -> Any:
        self.message_user(request, _("Ответ опубликован: %(url)s") % {"url": services.public_url(obj)},
                          messages.SUCCESS)
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Снять с публикации"), permissions=["publish"])
    def unpublish_selected(self, request: HttpRequest, queryset: QuerySet[PublishedAnswer]) -> None:
        count = 0
        for item in queryset:
            services.unpublish_answer(item, request.user)
            count += 1
        self.message_user(request, _("Снято с публикации: %(n)d.") % {"n": count}, messages.SUCCESS)
