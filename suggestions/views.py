"""The suggestions panel on the appeal's page and at registration, and the one-click decisions behind it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from appeals.models import Appeal, AppealQuestion
from appeals.services import access, handling
from suggestions import services
from suggestions.models import Proposal, ProposalKind


def _results(appeal_ids: list[int]) -> dict[int, list[str]]:
    rows: dict[int, list[str]] = {}
    for question in AppealQuestion.objects.filter(appeal_id__in=appeal_ids).order_by("pk"):
        rows.setdefault(question.appeal_id, []).append(question.get_result_display())
    return rows


def _row(proposal: Proposal, user: Any, results: dict[int, list[str]], art11_open: bool) -> dict[str, Any]:
    other = proposal.other
    answer = getattr(other, "answer", None) if other is not None else None
    # A row found for a closed appeal is not stored (services._similar_in_scope): shown, not decided.
    can_decide = (proposal.pk is not None and proposal.status == Proposal.Status.PENDING
                  and services.can_decide(proposal, user))
    return {
        "proposal": proposal,
        "what": services.describe(proposal),
        "other": other,
        "results": results.get(other.pk, []) if other is not None else [],
        "answer": answer.text if answer is not None and answer.status == "signed" else "",
        "can_accept": can_decide and (proposal.kind != ProposalKind.ART11 or art11_open),
        "can_reject": can_decide,
        "accept_url": reverse("admin:suggestions_proposal_accept", args=[proposal.pk]) if can_decide else "",
        "reject_url": reverse("admin:suggestions_proposal_reject", args=[proposal.pk]) if can_decide else "",
    }


def render_panel(request: HttpRequest, appeal: Appeal, *, place: str) -> SafeString | None:
    """The panel of the appeal's suggestions, or None when the user may see none."""
    user = request.user
    if not access.can_see(user, appeal):
        return None
    services.ensure_computed(appeal)
    grouped = services.proposals_for(appeal, user)
    others = [row.other_id for rows in grouped.values() for row in rows if row.other_id]
    results = _results(others)
    art11_open = "art11" in handling.available_steps(appeal, user)
    sections = [
        {"kind": kind, "title": title, "rows": [_row(row, user, results, art11_open) for row in grouped.get(kind, [])]}
        for kind, title in (
            (ProposalKind.SAME_AUTHOR, _("Прежние обращения того же заявителя")),
            (ProposalKind.KIND, _("Вид обращения")),
            (ProposalKind.ART11, _("Возможные случаи статьи 11")),
            (ProposalKind.TOPIC, _("Тематика по тексту")),
            (ProposalKind.SIMILAR, _("Похожие обращения")),
        )
    ]
    context = {"appeal": appeal, "sections": sections, "place": place, "next": request.get_full_path(),
               "art11_open": art11_open}
    return mark_safe(render_to_string("suggestions/panel.html", context, request=request))  # noqa: S308  (a template)


def _back(request: HttpRequest, proposal: Proposal) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("admin:appeals_appeal_change", args=[proposal.appeal_id])
    return HttpResponseRedirect(target)


def decide_view(request: HttpRequest, proposal_id: int, *, accept: bool) -> HttpResponse:
    """Accept or reject one proposal (POST from the panel) and go back to where it was shown."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    proposal = get_object_or_404(Proposal.objects.select_related("appeal", "other"), pk=proposal_id)
    user = request.user
    if not access.can_see(user, proposal.appeal):
        raise PermissionDenied
    try:
        if accept:
            services.accept_proposal(proposal, user)
            messages.success(request, _("Подсказка принята: %(what)s.") % {"what": services.describe(proposal)})
        else:
            services.reject_proposal(proposal, user)
            messages.info(request, _("Подсказка отклонена: %(what)s.") % {"what": services.describe(proposal)})
    except services.AppealError as exc:
        messages.error(request, str(exc))
    return _back(request, proposal)
