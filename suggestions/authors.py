"""The same author (issue 12, item 1): earlier appeals of the same person, each with the reason it matched.

The rules, on the keys of suggestions.normalize:
- the same proven e-mail address (case folded) and the same name, or a
  surname one letter apart with the same first name: a family address
  shared by two people with other names is not the same author;
- the same name (surname and first name in either order; the patronymic
  equal or missing on one side) with the same postal address, or the same
  index and street: a namesake at another address is not the same author.
From the earlier answered appeals on the same question the kind is
proposed (повторное; многократное from the third time, DESIGN.md section 6).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from appeals.models import Appeal, AppealKind, AppealQuestion
from appeals.services import authorship
from suggestions import normalize
from suggestions.models import AuthorKey

# More than this many earlier appeals of one person is a list nobody reads;
# the newest are kept.
MAX_MATCHES = 50


def key_for(appeal: Appeal) -> AuthorKey:
    return AuthorKey(
        appeal=appeal,
        name_key=normalize.name_key(appeal.last_name, appeal.first_name),
        surname=normalize.name_part(appeal.last_name),
        first_name=normalize.name_part(appeal.first_name),
        patronymic=normalize.name_part(appeal.patronymic),
        email=normalize.email_key(appeal.email) if authorship.has_proven_email(appeal) else "",
        address=normalize.address_key(appeal.address, appeal.postal_index),
        street=normalize.street_key(appeal.address, appeal.postal_index),
    )


KEY_FIELDS = ["name_key", "patronymic", "surname", "first_name", "email", "address", "street"]


def index_author(appeal: Appeal) -> AuthorKey:
    """Store (or refresh) the appeal's author key: one statement (INSERT ... ON CONFLICT DO UPDATE)."""
    key = key_for(appeal)
    AuthorKey.objects.bulk_create([key], update_conflicts=True, unique_fields=["appeal"], update_fields=KEY_FIELDS)
    return key


@dataclass(frozen=True)
class AuthorMatch:
    appeal: Appeal
    reasons: tuple[str, ...]


def _patronymics_agree(a: AuthorKey, b: AuthorKey) -> bool:
    return not a.patronymic or not b.patronymic or a.patronymic == b.patronymic


def _match_reasons(key: AuthorKey, other: AuthorKey) -> list[str]:
    """Why `other` is the same author as `key`, or nothing when it is not."""
    same_name = key.name_key == other.name_key and _patronymics_agree(key, other)
    reasons = []
    if key.email and key.email == other.email:
        if same_name:
            reasons.append(_("тот же подтверждённый адрес электронной почты"))
        elif (key.first_name == other.first_name and _patronymics_agree(key, other)
              and normalize.one_edit_apart(key.surname, other.surname)):
            reasons.append(_("тот же подтверждённый адрес электронной почты, фамилия отличается одной буквой"))
    if same_name and key.address and key.address == other.address:
        reasons.append(_("те же фамилия, имя и почтовый адрес"))
    elif same_name and key.street and key.street == other.street:
        reasons.append(_("те же фамилия, имя, индекс и улица"))
    if reasons and same_name:
        if key.surname != other.surname:
            reasons.append(_("имя и фамилия переставлены"))
        if bool(key.patronymic) != bool(other.patronymic):
            reasons.append(_("отчество указано только в одном из обращений"))
    return reasons


def same_author_matches(appeal: Appeal, key: AuthorKey | None = None) -> list[AuthorMatch]:
    """The earlier appeals of the same person, newest first, with why each matched.

    Each match's appeal holds its number, date and status only (the other
    fields are read on access, one query each).

    Served by the three indexes of AuthorKey; the names are compared here.
    """
    key = key or key_for(appeal)
    condition = Q(pk__in=[])
    if key.name_key and key.address:
        condition |= Q(name_key=key.name_key, address=key.address)
    if key.name_key and key.street:
        condition |= Q(name_key=key.name_key, street=key.street)
    if key.email:
        condition |= Q(email=key.email)
    # The keys and, of each appeal, what a match and the kind's reason read (not the whole row, its text).
    rows = list(
        AuthorKey.objects.filter(condition, appeal__received_at__lt=appeal.received_at)
        .exclude(appeal_id=appeal.pk).select_related("appeal")
        .only(*KEY_FIELDS, "appeal__number", "appeal__received_at", "appeal__status")
        .order_by("-appeal__received_at")[:MAX_MATCHES]
    )
    matches = []
    for row in rows:
        reasons = _match_reasons(key, row)
        if reasons:
            matches.append(AuthorMatch(appeal=row.appeal, reasons=tuple(reasons)))
    return matches


def earlier_ids(appeal: Appeal) -> list[int]:
    """The ids of the same author's earlier appeals, newest first (the core's lists, worklists.AuthorFinder)."""
    return [match.appeal.pk for match in same_author_matches(appeal)]


_RANK: dict[str, int] = {AppealKind.PRIMARY: 0, AppealKind.REPEATED: 1, AppealKind.MULTIPLE: 2}


@dataclass(frozen=True)
class KindProposal:
    kind: str
    answered: tuple[Appeal, ...]

    @property
    def reason(self) -> str:
        numbers = ", ".join(other.number for other in self.answered)
        return _("ответы по существу тому же заявителю по тому же вопросу: %(numbers)s") % {"numbers": numbers}


def proposed_kind(appeal: Appeal, matches: list[AuthorMatch], *,
                  questions: set[str] | None = None) -> KindProposal | None:
    """The kind the earlier answers suggest, when it says more than the appeal's (never a lower one).

    The earlier appeals counted are the same author's (the matches and
    those already linked) answered on the merits on one of this appeal's
    questions (authorship.question_codes, MERITS_RESULTS): one makes this
    appeal повторное, two or more многократное.
    """
    earlier = {match.appeal.pk: match.appeal for match in matches}
    for other in appeal.linked_appeals.filter(received_at__lt=appeal.received_at).only("number", "received_at"):
        earlier.setdefault(other.pk, other)
    if not earlier:
        return None
    answered_ids = set(
        AppealQuestion.objects.filter(
            appeal_id__in=list(earlier), appeal__status=Appeal.Status.ANSWERED,
            topic_code__in=authorship.question_codes(appeal) if questions is None else questions,
            result__in=authorship.MERITS_RESULTS,
        ).values_list("appeal_id", flat=True)
    )
    if not answered_ids:
        return None
    kind = AppealKind.REPEATED if len(answered_ids) == 1 else AppealKind.MULTIPLE
    if _RANK[kind] <= _RANK.get(appeal.kind, 0):
        return None  # the citizen or an official already says as much, or more
    answered = tuple(sorted((earlier[pk] for pk in answered_ids), key=lambda other: other.received_at))
    return KindProposal(kind=kind, answered=answered)
