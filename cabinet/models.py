"""The one-time sign-in link of the citizen's cabinet."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInLink(models.Model):
    """A link sent to an address: its token is kept only as a hash, it works once and for a short time.

    A row is written for every request that passes the rate limits, known
    address or not, so that both cost the same; the letter goes only to an
    address some appeal was confirmed with. Expired rows are deleted by the
    "cabinet-delete-expired-links" beat task.
    """

    email = models.CharField(_("адрес (в нижнем регистре)"), max_length=254)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)
    expires_at = models.DateTimeField(_("действует до"))
    used_at = models.DateTimeField(_("использована"), null=True, blank=True)

    class Meta:
        verbose_name = _("ссылка для входа")
        verbose_name_plural = _("ссылки для входа")
        indexes = [
            # The clean-up task: links past their time.
            models.Index(fields=["expires_at"], name="cabinet_link_expires_idx"),
        ]

    def __str__(self) -> str:
        return str(self.pk)
