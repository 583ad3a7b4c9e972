"""The print room: the default mail class per kind, batches and their letters, the letters' history.

The letter itself (its class, weight, envelope, ШПИ, return) is
letters.PostalLetter: the citizen's status page and the appeal's history
read it without knowing this app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.models import AppendOnly
from letters.models import LetterKind, PostalLetter


class MailClassDefault(models.Model):
    """The class a new letter of one kind is sent by, set by the administrator."""

    kind = models.CharField(_("вид письма"), max_length=32, choices=LetterKind.choices, unique=True)
    mail_class = models.CharField(_("вид отправления"), max_length=20, choices=PostalLetter.MailClass.choices)

    class Meta:
        verbose_name = _("вид отправления по умолчанию")
        verbose_name_plural = _("виды отправлений по умолчанию")
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_mail_class_display()}"


class Batch(models.Model):
    """Letters printed together: one PDF of letters and envelopes (or labels), then the form 103 lists."""

    class Status(models.TextChoices):
        BUILDING = "building", _("собирается")
        READY = "ready", _("готов к печати")
        FAILED = "failed", _("ошибка сборки")
        DISPATCHED = "dispatched", _("отправлен")
        CANCELLED = "cancelled", _("отменён")

    class Layout(models.TextChoices):
        ENVELOPES = "envelopes", _("письма с конвертами")
        LABELS = "labels", _("письма и лист адресных наклеек")
        WINDOW = "window", _("конверты с окном (без конвертов)")

    OPEN = (Status.BUILDING, Status.READY, Status.FAILED)

    created_at = models.DateTimeField(_("создан"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("собрал"), on_delete=models.PROTECT, related_name="+"
    )
    layout = models.CharField(_("вид печати"), max_length=16, choices=Layout.choices, default=Layout.ENVELOPES)
    status = models.CharField(_("состояние"), max_length=16, choices=Status.choices, default=Status.BUILDING)
    total = models.PositiveIntegerField(_("писем"), default=0)
    done = models.PositiveIntegerField(_("собрано"), default=0)
    pages = models.PositiveIntegerField(_("страниц"), default=0)
    pdf_path = models.CharField(_("PDF в хранилище"), max_length=255, blank=True)
    error = models.TextField(_("ошибка"), blank=True)
    built_at = models.DateTimeField(_("собран"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("отправлен"), null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("отправил"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("отменён"), null=True, blank=True)

    class Meta:
        verbose_name = _("пакет на печать")
        verbose_name_plural = _("пакеты на печать")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return str(_("Пакет № %(pk)s от %(date)s") % {"pk": self.pk, "date": timezone.localdate(self.created_at)})

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.done / self.total)


class BatchItem(models.Model):
    """One letter in a batch, at its place in the batch's PDF."""

    batch = models.ForeignKey(Batch, verbose_name=_("пакет"), on_delete=models.PROTECT, related_name="items")
    letter = models.ForeignKey(
        PostalLetter, verbose_name=_("письмо"), on_delete=models.PROTECT, related_name="batch_items"
    )
    position = models.PositiveIntegerField(_("№ п/п"))
    # True while the batch is open (building, ready or failed): a condition on
    # a column of this row, so the database itself keeps a letter in one open batch.
    open = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("письмо пакета")
        verbose_name_plural = _("письма пакета")
        ordering = ["batch", "position"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "position"], name="postal_item_position_unique"),
            models.UniqueConstraint(fields=["letter"], condition=models.Q(open=True),
                                    name="postal_item_one_open_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.position}: {self.letter_id}"


class LetterEvent(AppendOnly):
    """One step of a postal letter: batched, printed, numbered, posted, returned, sent again. Append-only."""

    letter = models.ForeignKey(PostalLetter, on_delete=models.PROTECT, related_name="postal_events")
    created_at = models.DateTimeField(_("когда"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("кто"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("действие"), max_length=64)
    comment = models.TextField(_("комментарий"), blank=True)
    data = models.JSONField(_("данные"), default=dict, blank=True)

    class Meta:
        verbose_name = _("шаг письма")
        verbose_name_plural = _("история письма")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["letter", "created_at"], name="postal_event_letter_idx")]

    def __str__(self) -> str:
        return f"{self.letter_id} {self.action}"

