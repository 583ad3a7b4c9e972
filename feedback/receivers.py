"""Receivers of the core's signals: the key to rate the answer is made when the answer is signed."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from appeals.signals import answer_previewed, answer_signed


@receiver(answer_signed, dispatch_uid="feedback.answer_signed")
def add_feedback_paragraph(sender: Any, *, appeal: Any, answer: Any, **kwargs: Any) -> str:
    """Make the appeal's key and return the paragraph the answer carries (the link or the code)."""
    from feedback import services

    return services.letter_paragraph(appeal, services.issue_key(appeal))


@receiver(answer_previewed, dispatch_uid="feedback.answer_previewed")
def preview_feedback_paragraph(sender: Any, *, appeal: Any, answer: Any, **kwargs: Any) -> str:
    """The same paragraph for the head's preview, the code not made yet (left blank)."""
    from feedback import services

    return services.letter_paragraph_preview(appeal)
