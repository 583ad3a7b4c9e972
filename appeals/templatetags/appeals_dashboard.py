"""The admin front page's flags: what needs attention now, counted for the user's own appeals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django import template
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal
from appeals.services import access, worklists
from letters.models import PostalLetter

register = template.Library()

Count = Callable[[QuerySet[Appeal], datetime], QuerySet[Appeal]]

# Each count reads open appeals only (closed_at IS NULL): the partial indexes
# appeal_open_due_idx / appeal_dept_due_idx hold them, not the million closed
# ones. unregistered_late does not say "open" itself (a received appeal is
# always open); it is said here so that the same index serves it.
FLAGS: tuple[tuple[str, Promise, Count], ...] = (
    ("unregistered_late", _("Не зарегистрированы более 2 дней"),
     lambda appeals, now: worklists.unregistered_late(worklists.open_appeals(appeals), now=now)),
    ("decision_late", _("Решение по 7-дневному сроку не принято более 5 дней"),
     lambda appeals, now: worklists.decision_late(appeals, now=now)),
    ("overdue", _("Просрочены"),
     lambda appeals, now: worklists.overdue(appeals, today=timezone.localdate(now))),
    ("soon", _("Срок в ближайшие 3 дня"),
     lambda appeals, now: worklists.due_soon(appeals, today=timezone.localdate(now))),
)


@dataclass(frozen=True)
class Flag:
    key: str
    title: str
    count: int
    url: str


@register.simple_tag(takes_context=True)
def appeals_attention(context: template.Context) -> list[Flag]:
    """The four counts with links to the filtered list; empty for users who may not see appeals."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("appeals.view_appeal"):
        return []
    appeals = access.visible_appeals(user)
    now = timezone.now()
    changelist = reverse("admin:appeals_appeal_changelist")
    flags = [
        Flag(key=key, title=str(title), count=count(appeals, now).count(), url=f"{changelist}?attention={key}")
        for key, title, count in FLAGS
    ]
    returned = returned_letters_flag(appeals)
    return flags + ([returned] if returned is not None else [])


def returned_letters_flag(appeals: QuerySet[Appeal]) -> Flag | None:
    """Postal letters of the user's appeals that came back undelivered and wait for a decision (issue 9 item 7)."""
    returned = PostalLetter.objects.filter(
        status=PostalLetter.Status.RETURNED, return_settled_at__isnull=True, appeal__in=appeals)
    try:
        # The print queue's list (the postal app registers it) filtered to those letters.
        url = reverse("admin:letters_postalletter_changelist") + f"?state={PostalLetter.Status.RETURNED}"
    except NoReverseMatch:  # the portal runs without the postal app
        return None
    return Flag(key="postal_returned", title=str(_("Вернулись почтовые письма: решите, как направить ответ")),
                count=returned.count(), url=url)
