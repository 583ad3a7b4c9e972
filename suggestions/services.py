"""The registrar's suggestions: computed once per appeal, stored as proposals, accepted or rejected.

1. compute_suggestions(appeal) finds the same author's earlier appeals, the
   kind they suggest, the similar appeals, the art. 11 flags and the topic,
   and stores them as Proposal rows; decided proposals are kept as they are.
2. proposals_for(appeal, user) is what the user may see of them: a proposal
   pointing to an appeal outside the user's scope is not shown (art. 6).
3. accept_proposal runs the step of services.handling the proposal stands
   for, with «по подсказке» in its history entry; reject_proposal records
   the refusal. accuracy() counts both per kind for the administrator.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.models import Appeal, AppealKind, Art11Case
from appeals.services import access, authorship, handling
from appeals.services.intake import AppealError
from classifiers.models import Topic
from suggestions import art11, authors, similar, topics
from suggestions.models import Proposal, ProposalKind, SuggestionState

logger = logging.getLogger(__name__)

SOURCE = "по подсказке"
# Similar appeals stored per appeal at intake (the best of every department):
# more than shown, so that an executor, who sees only some departments, often
# finds ten among them; when not, proposals_for searches within their scope.
SIMILAR_STORED = 20
TOPICS_SHOWN = 3


@dataclass(frozen=True)
class Candidate:
    """A proposal before it is stored: what, about which other appeal, why."""

    kind: str
    other: Appeal | None = None
    value: str = ""
    reasons: tuple[str, ...] = ()
    score: float = 0.0


def topic_suggestions(text: str) -> list[tuple[str, float]]:
    """The topic model's top answers for the text (suggestions.topics), or none.

    Without a trained model, while some topic has too few registered appeals,
    or with a low confidence, the model answers nothing.
    """
    try:
        return [(str(code), float(confidence)) for code, confidence in topics.suggest(text)][:TOPICS_SHOWN]
    except Exception:  # the model is a help: its failure must not stop the registrar's page
        logger.exception("topic suggestion failed")
        return []


def candidates(appeal: Appeal) -> list[Candidate]:
    """Everything the portal would propose for the appeal now."""
    key = authors.index_author(appeal)
    similar.index_text([appeal.pk])
    linked = set(appeal.linked_appeals.values_list("pk", flat=True))
    result: list[Candidate] = []
    matches = authors.same_author_matches(appeal, key)
    for match in matches:
        if match.appeal.pk not in linked:
            result.append(Candidate(ProposalKind.SAME_AUTHOR, other=match.appeal, reasons=match.reasons, score=1.0))
    questions = authorship.question_codes(appeal)
    kind = authors.proposed_kind(appeal, matches, questions=questions)
    if kind is not None:
        result.append(Candidate(ProposalKind.KIND, value=kind.kind, reasons=(kind.reason,), score=1.0))
    for row in similar.similar_appeals(appeal, limit=SIMILAR_STORED):
        if row.appeal.pk not in linked:
            result.append(Candidate(ProposalKind.SIMILAR, other=row.appeal, score=row.score))
    by_case: dict[str, list[str]] = {}
    for flag in art11.flags(appeal.text):
        by_case.setdefault(flag.case, []).append(flag.reason)
    for case, reasons in by_case.items():
        result.append(Candidate(ProposalKind.ART11, value=case, reasons=tuple(reasons), score=1.0))
    for code, confidence in topic_suggestions(appeal.text):
        if code not in questions:
            result.append(Candidate(ProposalKind.TOPIC, value=code, score=confidence))
    return result


def compute_suggestions(appeal: Appeal) -> list[Proposal]:
    """Compute and store the appeal's proposals; pending ones no longer found are dropped, decided ones kept."""
    started = time.perf_counter()
    found = candidates(appeal)
    with transaction.atomic():
        existing = {(row.kind, row.other_id, row.value): row
                    for row in Proposal.objects.select_for_update().filter(appeal=appeal)}
        kept: list[Proposal] = []
        new: list[Proposal] = []
        changed: list[Proposal] = []
        for candidate in found:
            other_id = candidate.other.pk if candidate.other is not None else None
            value = "" if other_id is not None else candidate.value
            row = existing.pop((candidate.kind, other_id, value), None)
            if row is None:
                row = Proposal(appeal=appeal, kind=candidate.kind, other=candidate.other, value=value,
                               reasons=list(candidate.reasons), score=candidate.score)
                new.append(row)
            elif row.status == Proposal.Status.PENDING and (row.reasons, row.score) != (list(candidate.reasons),
                                                                                       candidate.score):
                row.reasons, row.score = list(candidate.reasons), candidate.score
                changed.append(row)
            kept.append(row)
        # One statement each: at intake this runs for every appeal (bench/README.md, section 11).
        Proposal.objects.bulk_create(new)
        Proposal.objects.bulk_update(changed, ["reasons", "score"])
        stale = [row.pk for row in existing.values() if row.status == Proposal.Status.PENDING]
        if stale:
            Proposal.objects.filter(pk__in=stale).delete()
        took = (time.perf_counter() - started) * 1000
        SuggestionState.objects.bulk_create(  # one statement (INSERT ... ON CONFLICT DO UPDATE)
            [SuggestionState(appeal=appeal, computed_at=timezone.now(), took_ms=took)],
            update_conflicts=True, unique_fields=["appeal"], update_fields=["computed_at", "took_ms"])
    logger.info("suggestions appeal=%s proposals=%s took_ms=%.1f", appeal.pk, len(kept), took)
    return kept


def ensure_computed(appeal: Appeal) -> None:
    """Compute the appeal's suggestions now if the intake task has not (an appeal stored before this app).

    Not for a closed appeal: there is no step left to propose, and opening an
    old case must not write (a closed appeal shows what was computed while open).
    """
    if appeal.closed_at is None and not SuggestionState.objects.filter(appeal=appeal).exists():
        compute_suggestions(appeal)


# --- what a user sees -----------------------------------------------------------------------
def proposals_for(appeal: Appeal, user: Any, *, similar_limit: int = similar.LIMIT) -> dict[str, list[Proposal]]:
    """The appeal's proposals by kind that the user may see, pending first.

    One pointing to another appeal is shown only if the user may see that
    appeal too; the similar ones are cut to `similar_limit`.
    """
    if not access.can_see(user, appeal):
        return {}
    rows = Proposal.objects.filter(appeal=appeal).select_related("other", "other__answer")
    condition = access.appeal_condition(user, "other")
    if condition is not None:
        rows = rows.filter(Q(other__isnull=True) | condition)
    grouped: dict[str, list[Proposal]] = {}
    for row in rows.order_by("kind", "status", "-score", "pk"):
        grouped.setdefault(row.kind, []).append(row)
    if appeal.closed_at is not None and not SuggestionState.objects.filter(appeal=appeal).exists():
        # Closed before this app, never computed (ensure_computed writes nothing for it): the panel is the
        # page's only list of the author's earlier appeals (worklists.AuthorFinder), so they are found now.
        grouped[ProposalKind.SAME_AUTHOR] = _same_author_unstored(appeal, user)
    shown = grouped.get(ProposalKind.SIMILAR, [])
    # Not for a closed appeal: it shows what was computed while it was open, and its page computes nothing.
    if condition is not None and len(shown) < similar_limit and appeal.closed_at is None:
        shown = _similar_in_scope(appeal, user, shown, similar_limit)
    if shown:
        grouped[ProposalKind.SIMILAR] = shown[:similar_limit]
    return grouped


def _same_author_unstored(appeal: Appeal, user: Any) -> list[Proposal]:
    """The same author's earlier appeals the user may see, as proposals not stored (shown, not decided)."""
    matches = {match.appeal.pk: match for match in authors.same_author_matches(appeal)}
    linked = set(appeal.linked_appeals.values_list("pk", flat=True))
    visible = set(access.visible_appeals(user, Appeal.objects.filter(pk__in=list(matches)))
                  .values_list("pk", flat=True))
    others = Appeal.objects.filter(pk__in=[pk for pk in matches if pk in visible and pk not in linked])
    shown = {other.pk: other for other in others.select_related("answer")}
    return [Proposal(appeal=appeal, kind=ProposalKind.SAME_AUTHOR, other=shown[pk], reasons=list(match.reasons),
                     score=1.0) for pk, match in matches.items() if pk in shown]


def _order(row: Proposal) -> tuple[str, float, int]:
    return (row.status, -row.score, row.pk or 0)


# How long a scoped search that found fewer than ten is not repeated for the same appeal and scope.
SCOPED_SEARCH_RETRY = 6 * 60 * 60


def _similar_in_scope(appeal: Appeal, user: Any, shown: list[Proposal], limit: int) -> list[Proposal]:
    """The stored similar proposals the user may see, completed by a search within the user's scope.

    The SIMILAR_STORED stored at intake are the best of every department: an
    executor of one department may see few of them. The search is run again
    on the stored vectors with the user's scope in the query, and what it
    finds is stored as pending proposals, so that it is linked with one
    click and counted like any other (once ten are stored, later views only
    read them). A search that finds fewer is not run again for the same
    scope for SCOPED_SEARCH_RETRY seconds (new appeals may match by then):
    the cache remembers it, so the officials' repeated views of an appeal
    do not each pay for a search (up to ~100 ms at 1M, bench/README.md 11).
    """
    known = {row.other_id for row in shown}
    # The appeal's receipt time too: a key must not outlive its appeal (test databases reuse the numbers).
    marker = (f"suggestions:scoped:{appeal.pk}:{appeal.received_at.timestamp()}:{user.pk}:"
              f"{','.join(map(str, sorted(access.department_ids(user))))}")
    if cache.get(marker):
        return shown
    scope = access.visible_appeals(user).exclude(pk__in=appeal.linked_appeals.values("pk"))
    found = [row for row in similar.similar_appeals(appeal, queryset=scope, limit=limit)
             if row.appeal.pk not in known]
    if len(known) + len(found) < limit:
        cache.set(marker, 1, SCOPED_SEARCH_RETRY)
    if not found:
        return shown
    # Another view may store the same rows at the same moment: the partial unique constraint keeps one.
    Proposal.objects.bulk_create(
        [Proposal(appeal=appeal, kind=ProposalKind.SIMILAR, other=row.appeal, score=row.score) for row in found],
        ignore_conflicts=True,
    )
    added = list(Proposal.objects.filter(appeal=appeal, kind=ProposalKind.SIMILAR,
                                         other_id__in=[row.appeal.pk for row in found])
                 .select_related("other", "other__answer"))
    return sorted([*shown, *added], key=_order)


def describe(proposal: Proposal) -> str:
    """What the proposal proposes, in the registrar's words."""
    if proposal.kind == ProposalKind.KIND:
        return _("Вид обращения: %(kind)s") % {"kind": AppealKind(proposal.value).label}
    if proposal.kind == ProposalKind.ART11:
        return str(Art11Case(proposal.value).label)
    if proposal.kind == ProposalKind.TOPIC:
        topic = Topic.objects.filter(code=proposal.value).first()
        return f"{proposal.value} {topic.title if topic else ''}".strip()
    return proposal.other.number if proposal.other is not None else ""


# --- decisions ------------------------------------------------------------------------------
class ProposalError(AppealError):
    """The proposal cannot be accepted or rejected now."""


def _comment(proposal: Proposal) -> str:
    reasons = "; ".join(proposal.reasons)
    return f"{_('По подсказке')}: {reasons}" if reasons else _("По подсказке")


def _carry_out(proposal: Proposal, user: Any) -> None:
    """The step of services.handling the proposal stands for."""
    appeal = proposal.appeal
    if proposal.kind in (ProposalKind.SAME_AUTHOR, ProposalKind.SIMILAR):
        if proposal.other is None or not access.can_see(user, proposal.other):
            raise ProposalError(_("Другое обращение вам недоступно."))
        handling.link_appeals(appeal, user, others=[proposal.other], comment=_comment(proposal), source=SOURCE)
    elif proposal.kind == ProposalKind.KIND:
        handling.change_kind(appeal, user, kind=proposal.value, comment=_comment(proposal), source=SOURCE)
    elif proposal.kind == ProposalKind.ART11:
        # The ground goes to the citizen's notice: the flag's reason, not «по подсказке».
        handling.decide_art11(appeal, user, case=proposal.value, comment="; ".join(proposal.reasons) or
                              str(Art11Case(proposal.value).label), source=SOURCE)
    elif proposal.kind == ProposalKind.TOPIC:
        topic = Topic.objects.filter(code=proposal.value).first()
        if topic is None:
            raise ProposalError(_("Такого вопроса нет в классификаторе."))
        handling.add_question(appeal, user, topic=topic, comment=_comment(proposal), source=SOURCE)
    else:  # pragma: no cover - every kind is handled above
        raise ProposalError(_("Неизвестный вид подсказки."))


def _decide(proposal: Proposal, user: Any, status: str) -> Proposal:
    with transaction.atomic():
        proposal = (Proposal.objects.select_for_update(of=("self",)).select_related("appeal", "other")
                    .get(pk=proposal.pk))
        if not access.can_see(user, proposal.appeal) or (
                proposal.other is not None and not access.can_see(user, proposal.other)):
            raise ProposalError(_("Обращение относится к другому подразделению."))
        if not can_decide(proposal, user):
            raise ProposalError(_("Недостаточно прав для этого действия."))
        if proposal.status != Proposal.Status.PENDING:
            raise ProposalError(_("По этой подсказке уже принято решение: %(status)s.")
                                % {"status": proposal.get_status_display()})
        if status == Proposal.Status.ACCEPTED:
            _carry_out(proposal, user)
        proposal.status, proposal.decided_by, proposal.decided_at = status, user, timezone.now()
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
    logger.info("proposal %s appeal=%s kind=%s user=%s", status, proposal.appeal_id, proposal.kind, user.pk)
    return proposal


def accept_proposal(proposal: Proposal, user: Any) -> Proposal:
    """Carry the proposal out through the services (in one transaction with the decision)."""
    return _decide(proposal, user, Proposal.Status.ACCEPTED)


def reject_proposal(proposal: Proposal, user: Any) -> Proposal:
    """Record that the proposal was wrong: the accuracy counts it.

    Only a user who could take the step rejects (can_decide): the right is
    the one the accepted step needs.
    """
    return _decide(proposal, user, Proposal.Status.REJECTED)


PERMISSIONS = {
    ProposalKind.SAME_AUTHOR: "link_appeals",
    ProposalKind.SIMILAR: "link_appeals",
    ProposalKind.KIND: "register_appeal",
    ProposalKind.ART11: "decide_art11",
    ProposalKind.TOPIC: "register_appeal",
}


def can_decide(proposal: Proposal, user: Any) -> bool:
    return bool(user.has_perm(f"appeals.{PERMISSIONS[ProposalKind(proposal.kind)]}"))


# --- accuracy -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Accuracy:
    kind: str
    label: str
    accepted: int
    rejected: int
    pending: int

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected

    @property
    def share(self) -> float | None:
        """Accepted of decided, 0..1; None before any decision."""
        return self.accepted / self.decided if self.decided else None


def accuracy(kinds: Iterable[str] = ProposalKind.values) -> list[Accuracy]:
    """Per kind of suggestion: how many were accepted, rejected, are still pending (one aggregate query)."""
    rows: dict[str, Any] = {
        row["kind"]: row for row in Proposal.objects.values("kind").annotate(
            accepted=Count("pk", filter=Q(status=Proposal.Status.ACCEPTED)),
            rejected=Count("pk", filter=Q(status=Proposal.Status.REJECTED)),
            pending=Count("pk", filter=Q(status=Proposal.Status.PENDING)),
        )
    }
    empty = {"accepted": 0, "rejected": 0, "pending": 0}
    return [
        Accuracy(kind=kind, label=str(ProposalKind(kind).label), accepted=rows.get(kind, empty)["accepted"],
                 rejected=rows.get(kind, empty)["rejected"], pending=rows.get(kind, empty)["pending"])
        for kind in kinds
    ]
