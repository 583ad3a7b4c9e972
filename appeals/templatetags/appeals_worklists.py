"""The admin front page's work lists: one per role the user holds (services.worklists)."""

from __future__ import annotations

from django import template

from appeals.services import worklists

register = template.Library()


@register.simple_tag(takes_context=True)
def appeals_worklists(context: template.Context) -> list[worklists.WorkList]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return worklists.worklists_for(user)
