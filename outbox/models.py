"""The outbox: every outgoing e-mail is a row written in the transaction that causes it."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutgoingMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("ожидает отправки")
        SENDING = "sending", _("отправляется")
        SENT = "sent", _("отправлено")
        FAILED = "failed", _("не отправлено")
        # Never sent because it no longer means anything: the confirmation
        # of a draft that was confirmed, expired or sent a newer letter.
        OBSOLETE = "obsolete", _("не отправлено: устарело")

    # Stable identity of the message: it becomes the Message-ID header, so a
    # resend after a lost acknowledgement is recognisable as the same letter.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("вид"), max_length=64)
    appeal = models.ForeignKey(
        "appeals.Appeal",
        verbose_name=_("обращение"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    # The draft whose proof (link and code) this letter carries: once the
    # draft is confirmed, expired or sent a newer letter, this one is
    # obsolete and is not sent (services._obsolete).
    draft = models.ForeignKey(
        "appeals.Draft",
        verbose_name=_("черновик"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outgoing_messages",
    )
    # A letter not handed to the SMTP server by then is not sent at all (the
    # draft's expiry for a confirmation: it stays when the draft is purged).
    send_before = models.DateTimeField(_("отправить не позднее"), null=True, blank=True)
    to = models.EmailField(_("получатель"))
    subject = models.CharField(_("тема"), max_length=255)
    body_text = models.TextField(_("текст"))
    body_html = models.TextField(_("HTML"), blank=True)
    # Letters that carry a one-time secret (the confirmation link and code)
    # keep no copy of their text once sent.
    redact_after_send = models.BooleanField(_("удалить текст после отправки"), default=False)
    # One optional file (the answer's PDF): a name in the "attachments"
    # storage, read at send time, so the row stays small and the file is
    # stored once however many attempts the delivery takes.
    attachment_name = models.CharField(_("имя вложения"), max_length=255, blank=True)
    attachment_path = models.CharField(_("файл вложения в хранилище"), max_length=255, blank=True)
    attachment_type = models.CharField(_("тип вложения"), max_length=100, blank=True)
    # A letter rendered where it is delivered (outbox.services.queue_deferred_emails):
    # the template and the values it is rendered with; subject and text stay
    # empty until the delivery renders and stores them, before it sends.
    template = models.CharField(_("шаблон"), max_length=100, blank=True)
    render_context = models.JSONField(_("данные шаблона"), default=dict, blank=True)
    status = models.CharField(_("состояние"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=0)
    last_error = models.TextField(_("последняя ошибка"), blank=True)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("следующая попытка"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("взято в отправку"), null=True, blank=True)
    sent_at = models.DateTimeField(_("отправлено"), null=True, blank=True)

    class Meta:
        verbose_name = _("исходящее сообщение")
        verbose_name_plural = _("исходящие сообщения")
        ordering = ["-created_at"]
        indexes = [
            # The sweep: pending (or stuck sending) messages whose time has come.
            models.Index(
                fields=["status", "next_attempt_at"],
                name="outbox_due_idx",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
            # The heads' daily digest is claimed once a day: has a letter of
            # this kind gone to this address today (appeals.reminders)?
            models.Index(fields=["kind", "to", "created_at"], name="outbox_kind_to_idx"),
        ]

    def __str__(self) -> str:
        # The admin's titles and breadcrumbs show this to whoever operates the
        # mail: never the recipient's address (outbox.admin).
        return f"{self.kind} № {self.pk} ({self.get_status_display()})"
