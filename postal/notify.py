"""Telling the appeal's official that a postal letter came back (the front page counts it too)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from appeals.reminders import Recipients, display_name
from letters.models import PostalLetter
from outbox.services import queue_email


def tell_official(letter: PostalLetter) -> int:
    """E-mail the executor (or, without one, the department's members) in the return's transaction."""
    appeal = letter.appeal
    recipients = Recipients()
    recipients.load_executors([appeal])
    url = settings.PORTAL_BASE_URL + reverse("admin:letters_postalletter_change", args=[letter.pk])
    sent = 0
    for user in recipients.for_appeal(appeal):
        if not user.email:
            continue
        queue_email(
            kind="staff.postal_returned", to=user.email, template="emails/postal_returned",
            context={"appeal": appeal, "letter": letter, "recipient_name": display_name(user), "admin_url": url},
            appeal=appeal,
        )
        sent += 1
    return sent
