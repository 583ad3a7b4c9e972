"""The citizen's satisfaction with the answer: asked once, answered once, expired if never answered."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class SatisfactionChannel(models.TextChoices):
    EMAIL = "email", _("электронная почта")
    POST = "post", _("почта")


class SatisfactionKey(models.Model):
    """The secrets given with the answer: a link token (e-mail) or a short code (post), hashed.

    Made when the answer is signed, because the token and the code go out in
    the answer itself; the request is made from it once the answer has gone
    out (feedback.services.ask_sent_answers).
    """

    appeal = models.OneToOneField(
        "appeals.Appeal", verbose_name=_("обращение"), on_delete=models.PROTECT, related_name="satisfaction_key"
    )
    channel = models.CharField(_("канал"), max_length=8, choices=SatisfactionChannel.choices)
    # SHA-256 of the secret (appeals.tokens.digest): a copy of the database
    # gives no one a working link or code.
    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64, blank=True)
    # Wrong codes entered for this appeal: counted here as well as by the
    # cache's rate limit, which fails open when Redis is down.
    code_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    asked_at = models.DateTimeField(_("вопрос задан"), null=True, blank=True)

    class Meta:
        verbose_name = _("ключ оценки ответа")
        verbose_name_plural = _("ключи оценки ответов")
        indexes = [
            # The sweep's candidates: keys of answers not asked about yet. Partial,
            # so it holds only the answers of the last days, not a million rows.
            models.Index(fields=["id"], name="feedback_key_unasked_idx", condition=models.Q(asked_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return str(self.appeal_id)


class SatisfactionRequest(models.Model):
    """The question «Ответ решил ваш вопрос?» put to the citizen once the answer has gone out."""

    class Status(models.TextChoices):
        ASKED = "asked", _("задан вопрос")
        ANSWERED = "answered", _("получен ответ")
        EXPIRED = "expired", _("истёк срок")

    class Resolved(models.TextChoices):
        YES = "yes", _("да")
        PARTLY = "partly", _("частично")
        NO = "no", _("нет")

    appeal = models.OneToOneField(
        "appeals.Appeal", verbose_name=_("обращение"), on_delete=models.PROTECT, related_name="satisfaction"
    )
    channel = models.CharField(_("канал"), max_length=8, choices=SatisfactionChannel.choices)
    status = models.CharField(_("состояние"), max_length=16, choices=Status.choices, default=Status.ASKED)
    asked_at = models.DateTimeField(_("вопрос задан"))
    expires_at = models.DateTimeField(_("ожидается до"))
    answered_at = models.DateTimeField(_("ответ получен"), null=True, blank=True)
    resolved = models.CharField(_("ответ решил вопрос"), max_length=8, choices=Resolved.choices, blank=True)
    mark = models.PositiveSmallIntegerField(
        _("оценка"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("комментарий гражданина"), blank=True)
    needs_review = models.BooleanField(_("требует рассмотрения руководителем"), default=False)
    reviewed_at = models.DateTimeField(_("рассмотрено"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("рассмотрел"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    review_note = models.TextField(_("что сделано"), blank=True)

    class Meta:
        verbose_name = _("оценка ответа")
        verbose_name_plural = _("оценки ответов гражданами")
        ordering = ["-asked_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mark__isnull=True) | models.Q(mark__gte=1, mark__lte=5),
                name="feedback_request_mark_range",
            ),
        ]
        indexes = [
            # The expiry job: open requests whose time is up. Partial: answered
            # and expired requests (nearly all) are not in it.
            models.Index(fields=["expires_at"], name="feedback_request_open_idx",
                         condition=models.Q(status="asked")),
            # The head's review list: requests waiting for the head, newest first.
            models.Index(fields=["-answered_at"], name="feedback_request_review_idx",
                         condition=models.Q(needs_review=True, reviewed_at__isnull=True)),
            # The sweeps do not read asked_at (the keys not asked yet and the
            # open requests have partial indexes of their own); the admin's
            # list (newest first, then -id) and the reports' periods do: on
            # 1M appeals without it the list sorts 850 000 rows.
            models.Index(fields=["asked_at", "id"], name="feedback_request_asked_idx"),
        ]

    def __str__(self) -> str:
        return str(self.appeal)
