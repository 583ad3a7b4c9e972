"""The head's review list: the citizens' answers that say the question was not (fully) solved."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appeals.admin import PersonalDataAdmin
from feedback import services
from feedback.forms import ReviewForm
from feedback.models import SatisfactionRequest


class ReviewFilter(admin.SimpleListFilter):
    """Opens on what waits for the head: «нет», «частично» or a mark of 1-2, not reviewed yet."""

    title = _("рассмотрение руководителем")
    parameter_name = "review"
    WAITING = "waiting"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(self.WAITING, _("ожидает рассмотрения")), ("reviewed", _("рассмотрено")), ("all", _("все оценки"))]

    def value(self) -> str:
        return super().value() or self.WAITING

    def choices(self, changelist: Any):
        for lookup, title in self.lookup_choices:
            yield {"selected": self.value() == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}

    def queryset(self, request: HttpRequest, queryset: QuerySet[SatisfactionRequest]) -> QuerySet[SatisfactionRequest]:
        if self.value() == self.WAITING:
            # The partial index feedback_request_review_idx serves this list.
            return queryset.filter(needs_review=True, reviewed_at__isnull=True)
        if self.value() == "reviewed":
            return queryset.filter(reviewed_at__isnull=False)
        return queryset


@admin.register(SatisfactionRequest)
class SatisfactionRequestAdmin(PersonalDataAdmin):
    """Read-only rows scoped by the appeal; the head records what was done through the review page."""

    list_display = ("appeal", "asked_at", "status", "resolved", "mark", "comment_excerpt", "reviewed_at")
    list_filter = (ReviewFilter, "status", "resolved", "mark", "channel")
    list_select_related = ("appeal",)
    search_fields = ("appeal__number",)
    search_help_text = _("Точный регистрационный номер обращения.")
    show_full_result_count = False
    fields = ("appeal", "channel", "status", "asked_at", "expires_at", "answered_at", "resolved", "mark", "comment",
              "needs_review", "reviewed_at", "reviewed_by", "review_note")
    readonly_fields = fields
    change_form_template = "admin/feedback/satisfactionrequest/change_form.html"

    def log_detail(self, obj: SatisfactionRequest) -> str:
        return gettext("оценка ответа № %(pk)s") % {"pk": obj.pk}

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[SatisfactionRequest], search_term: str
                           ) -> tuple[QuerySet[SatisfactionRequest], bool]:
        term = search_term.strip()
        return (queryset.filter(appeal__number=term.upper()) if term else queryset), False

    @admin.display(description=_("комментарий гражданина"))
    def comment_excerpt(self, obj: SatisfactionRequest) -> str:
        return Truncator(obj.comment).chars(80) or "—"

    def can_review(self, request: HttpRequest, obj: SatisfactionRequest) -> bool:
        return bool(request.user.has_perm("feedback.change_satisfactionrequest")
                    and obj.needs_review and obj.reviewed_at is None)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        review_url = ""
        if obj is not None and self.can_review(request, obj):
            review_url = reverse("admin:feedback_satisfactionrequest_review", args=[obj.pk])
        return super().change_view(request, object_id, form_url, {"review_url": review_url, **(extra_context or {})})

    def get_urls(self) -> list[URLPattern]:
        return [
            path("<path:object_id>/review/", self.admin_site.admin_view(self.review_view),
                 name="feedback_satisfactionrequest_review"),
            *super().get_urls(),
        ]

    def review_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Record what was done about the citizen's answer (services.review_request)."""
        # The right first: without it, whether the row exists is not told.
        if not request.user.has_perm("feedback.change_satisfactionrequest"):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        form = ReviewForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.review_request(obj, request.user, note=form.cleaned_data["note"])
            except services.FeedbackError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, gettext("Записано в историю обращения %(number)s.")
                                  % {"number": obj.appeal.number}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:feedback_satisfactionrequest_changelist"))
        # The page shows the citizen's comment: written to the access log (152-FZ).
        self._log_view(request, obj, gettext(", рассмотрение"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "original": obj, "form": form, "can_review": self.can_review(request, obj),
            "title": gettext("Рассмотрение оценки ответа на обращение %(number)s") % {"number": obj.appeal.number},
        }
        return TemplateResponse(request, "admin/feedback/satisfactionrequest/review.html", context)
