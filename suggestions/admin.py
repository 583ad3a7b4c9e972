"""The suggestions in the admin: their accuracy per kind, the decisions, the word list of art. 11 part 3."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from appeals.admin import PersonalDataAdmin
from suggestions import services, views
from suggestions.models import Proposal, ScreeningWord


@admin.register(Proposal)
class ProposalAdmin(PersonalDataAdmin):
    """Read-only: the decisions, scoped as the appeals are; above the list, the accuracy of every kind.

    The accuracy is an aggregate with no personal data: everyone who may
    open the list sees it, the administrator too, who sees no appeal.
    """

    list_display = ("appeal", "kind", "what", "status", "decided_by", "decided_at")
    list_filter = ("kind", "status")
    list_select_related = ("appeal", "other", "decided_by")
    fields = ("appeal", "kind", "other", "value", "reasons", "score", "status", "created_at", "decided_by",
              "decided_at")
    readonly_fields = fields
    change_list_template = "admin/suggestions/proposal/change_list.html"
    date_hierarchy = None

    @admin.display(description=_("что предложено"))
    def what(self, proposal: Proposal) -> str:
        return services.describe(proposal)

    def log_detail(self, obj: Proposal) -> str:
        return f"{obj._meta.verbose_name} № {obj.pk} ({obj.get_kind_display()})"

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return super().changelist_view(request, {"accuracy": services.accuracy(), **(extra_context or {})})

    def get_urls(self) -> list[URLPattern]:
        def decide(accept: bool) -> Any:
            def view(request: HttpRequest, proposal_id: int) -> HttpResponse:
                return views.decide_view(request, proposal_id, accept=accept)
            return self.admin_site.admin_view(view)

        return [
            path("<int:proposal_id>/accept/", decide(True), name="suggestions_proposal_accept"),
            path("<int:proposal_id>/reject/", decide(False), name="suggestions_proposal_reject"),
            *super().get_urls(),
        ]


@admin.register(ScreeningWord)
class ScreeningWordAdmin(admin.ModelAdmin):
    list_display = ("text", "category", "match", "is_active")
    list_editable = ("is_active",)
    list_filter = ("category", "match", "is_active")
    search_fields = ("text",)
