"""How the app shows itself on the appeal's admin page: the head's link to publish its answer."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from appeals.models import Answer, Appeal
from appeals.signals import appeal_panels
from publications import services
from publications.models import PublishedAnswer


@receiver(appeal_panels, dispatch_uid="publications.publish_link")
def publish_link(sender: Any, *, appeal: Appeal, request: HttpRequest, place: str, **kwargs: Any) -> SafeString | None:
    """On the appeal's page, for a head who may publish: «Опубликовать ответ» once the answer is signed."""
    if place != "page" or not services.may_publish(request.user):
        return None
    if not Answer.objects.filter(appeal=appeal, signed_at__isnull=False).exists():
        return None
    published = PublishedAnswer.objects.filter(source_appeal=appeal).order_by("-pk").first()
    url = reverse("admin:publications_publishedanswer_add") + f"?source_appeal={appeal.pk}"
    return mark_safe(render_to_string("admin/publications/publish_panel.html", {  # noqa: S308 (a template)
        "url": url, "published": published,
        "published_url": services.public_url(published) if published is not None and published.is_published else "",
    }, request=request))
