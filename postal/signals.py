"""A new postal letter (made by letters.services) gets its class, sheets, envelope and weight."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from letters.models import PostalLetter


@receiver(post_save, sender=PostalLetter, dispatch_uid="postal.prepare_letter")
def prepare_new_letter(sender: Any, instance: PostalLetter, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        from postal.services import prepare_letter

        # In the signing's transaction: the letter and its class are saved together.
        with transaction.atomic():
            prepare_letter(instance)
            instance.refresh_from_db()
