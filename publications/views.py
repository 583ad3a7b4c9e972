"""The public pages of the published answers, and the hints the appeal form asks for while the citizen types."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from publications import services
from publications.models import PublishedAnswer

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS = 2000
PAGE_SIZE = 20
SEARCH_RESULTS = 20


def hints_rate(group: str, request: HttpRequest) -> str:
    return settings.PUBLICATIONS_RATE_HINTS


@require_GET
def answer_list(request: HttpRequest) -> HttpResponse:
    """Every published answer, newest first; with ?q= the ones matching all its words, best first."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_CHARS]
    context: dict = {"query": query}
    if query:
        context["results"] = [found.item for found in services.search(query, limit=SEARCH_RESULTS)]
    else:
        paginator = Paginator(PublishedAnswer.objects.public().select_related("topic"), PAGE_SIZE)
        context["page_obj"] = paginator.get_page(request.GET.get("page"))
        context["results"] = list(context["page_obj"])
    return render(request, "publications/list.html", context)


@require_GET
def answer_detail(request: HttpRequest, key: str) -> HttpResponse:
    item = get_object_or_404(PublishedAnswer.objects.public().select_related("topic"), key=key)
    return render(request, "publications/detail.html", {"item": item})


@require_GET
@cache_control(private=True, max_age=60)
@ratelimit(group="publications.hints", key="ip", rate=hints_rate, method="GET", block=False)
def answer_hints(request: HttpRequest) -> JsonResponse:
    """JSON for the form's script: a few published answers matching the essence typed so far.

    Limited per IP address; when limited it answers an empty list with 429,
    which the script takes as "nothing to offer": the form never waits on it.
    """
    if getattr(request, "limited", False):
        logger.warning("rate limit hit path=publications-hints")
        return JsonResponse({"results": []}, status=429)
    text = request.GET.get("text", "")[:MAX_QUERY_CHARS]
    results = [
        {
            "title": found.item.title,
            "topic": found.item.topic.title,
            "date": timezone.localtime(found.item.published_at).strftime("%d.%m.%Y") if found.item.published_at
            else "",
            "url": found.item.get_absolute_url(),
        }
        for found in services.hints(text)
    ]
    return JsonResponse({"results": results})
