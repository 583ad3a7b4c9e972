"""Receivers of the core's signals: the key to rate the answer is made when the answer is signed."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from appeals.signals import answer_signed


@receiver(answer_signed, dispatch_uid="feedback.answer_signed")
def add_feedback_paragraph(sender: Any, *, appeal: Any, answer: Any, **kwargs: Any) -> str:
    """Make the appeal's key and return the paragraph the answer carries (the link or the code)."""
    from feedback import services

    return services.letter_paragraph(appeal, services.issue_key(appeal))
