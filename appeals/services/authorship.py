"""Who is "the same author" and what is "the same question": one definition for the whole portal.

Art. 11 part 5 of 59-FZ lets the head end the correspondence with a citizen
on a question "на который ему неоднократно давались письменные ответы по
существу в связи с ранее направляемыми обращениями", the earlier appeals
having gone to the same body. The worklists use the same definition to show
an official the person's earlier appeals (worklists.earlier_appeals_of_author).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from appeals.models import Appeal, AppealQuestion, QuestionResult

# "Неоднократно" is "more than once": at least two earlier written answers on
# the merits (the 182-FZ of 2 July 2013 replaced «многократно» with it;
# reference/law-digest.ru.md, S12).
TERMINATION_MIN_ANSWERS = 2

# The identification backends that prove the e-mail address the appeal gives
# (appeals.identification.EmailIdentification). An address a registrar copied
# from a paper letter proves nothing about who wrote it.
EMAIL_PROVING_METHODS = ("email",)

# The results a signed answer records for a question considered on the merits
# (the others: not yet considered, redirected, left without an answer).
MERITS_RESULTS = (
    QuestionResult.EXPLAINED, QuestionResult.SUPPORTED, QuestionResult.NOT_SUPPORTED, QuestionResult.ANSWERED,
)


def has_proven_email(appeal: Appeal) -> bool:
    return bool(appeal.email) and appeal.identification_method in EMAIL_PROVING_METHODS


def same_author(appeal: Appeal) -> Q:
    """Appeals of the same citizen: the same full name, or the same e-mail address proven on both.

    The name is compared folded (surname_key: case and Ё; the first name and
    patronymic case-insensitively), as the admin's search compares it.
    Served by appeal_surname_key_idx and appeal_email_idx.
    """
    # An appeal without a surname (art. 11 part 1) has no name to match: two
    # anonymous appeals are not the same author for having none.
    condition = Q(pk__in=[])
    if appeal.surname_key:
        condition |= Q(surname_key=appeal.surname_key, first_name__iexact=appeal.first_name,
                       patronymic__iexact=appeal.patronymic)
    if has_proven_email(appeal):
        condition |= Q(email=appeal.email, identification_method__in=EMAIL_PROVING_METHODS)
    return condition


def question_codes(appeal: Appeal) -> set[str]:
    """The classifier codes of the appeal's questions (its topic's, before registration records them)."""
    return {appeal.topic_code, *AppealQuestion.objects.filter(appeal=appeal).values_list("topic_code", flat=True)}


@dataclass(frozen=True)
class EarlierAnswer:
    """A linked appeal as art. 11 part 5 sees it: whether it counts, and if not, why."""

    appeal: Appeal
    reasons: tuple[str, ...]

    @property
    def counts(self) -> bool:
        return not self.reasons

    def __str__(self) -> str:
        if self.counts:
            return self.appeal.number
        return f"{self.appeal.number} — {'; '.join(self.reasons)}"


def earlier_answers(appeal: Appeal) -> list[EarlierAnswer]:
    """Each appeal linked to this one, and whether it is an earlier written answer on the merits
    by this institution to the same author on the same question (art. 11 part 5).

    Every appeal stored here was considered by this institution; one it
    redirected was answered by another body and does not count.
    """
    linked = list(appeal.linked_appeals.order_by("received_at", "pk"))
    ids = [other.pk for other in linked]
    authors = set(Appeal.objects.filter(same_author(appeal), pk__in=ids).values_list("pk", flat=True))
    same_question = set(
        AppealQuestion.objects.filter(appeal_id__in=ids, topic_code__in=question_codes(appeal),
                                      result__in=MERITS_RESULTS).values_list("appeal_id", flat=True)
    )
    rows = []
    for other in linked:
        reasons = []
        if other.received_at >= appeal.received_at:
            reasons.append(_("поступило не раньше этого обращения"))
        if other.pk not in authors:
            reasons.append(_("другой заявитель"))
        if other.status != Appeal.Status.ANSWERED:
            reasons.append(_("ответ по существу не давался (%(status)s)") % {"status": other.get_status_display()})
        elif other.pk not in same_question:
            reasons.append(_("ответ дан по другому вопросу"))
        rows.append(EarlierAnswer(appeal=other, reasons=tuple(reasons)))
    return rows
