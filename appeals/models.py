"""The appeal, the draft that precedes it, and their files."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import Any, cast

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """How the appeal reached the institution (kept for the reports and for 480-FZ)."""

    SITE = "site", _("официальный сайт")
    EPGU = "epgu", _("ЕПГУ (платформа обратной связи)")
    POST = "post", _("почта")
    PERSONAL = "personal", _("личный приём")


class ReplyMethod(models.TextChoices):
    EMAIL = "email", _("По электронной почте")
    POST = "post", _("По почте")


class AppealKind(models.TextChoices):
    PRIMARY = "primary", _("Первичное")
    REPEATED = "repeated", _("Повторное")
    MULTIPLE = "multiple", _("Многократное")


# What the citizen typed, copied from the form into the draft and from the
# draft into the appeal.
APPLICANT_FIELDS = (
    "last_name", "first_name", "patronymic", "address", "postal_index", "phone", "email",
    "reply_method", "kind", "text",
)


def surname_key(text: str) -> str:
    """Fold a surname for search: «Семёнова» and «семенова» give the same key."""
    return " ".join(text.split()).upper().replace("Ё", "Е")


class Applicant(models.Model):
    """The citizen's details as given in the form (art. 7 of 59-FZ)."""

    last_name = models.CharField(_("фамилия"), max_length=100)
    # The surname folded for search (upper case, Ё as Е), filled on save: the
    # same prefix search on SQLite and PostgreSQL, served by a plain index.
    surname_key = models.CharField(max_length=100, editable=False, default="")
    first_name = models.CharField(_("имя"), max_length=100)
    patronymic = models.CharField(_("отчество"), max_length=100, blank=True)
    address = models.CharField(_("адрес"), max_length=500)
    postal_index = models.CharField(_("индекс"), max_length=6)
    phone = models.CharField(_("телефон"), max_length=32)
    email = models.EmailField(_("электронная почта"), max_length=254)
    reply_method = models.CharField(_("способ получения ответа"), max_length=8, choices=ReplyMethod.choices)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.surname_key = surname_key(self.last_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "last_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "surname_key"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.patronymic) if part)

    @property
    def short_name(self) -> str:
        """Surname and initials, as officials write it: «Иванов И. И.»."""
        initials = " ".join(f"{part[0]}." for part in (self.first_name, self.patronymic) if part)
        return f"{self.last_name} {initials}".strip()


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    """Generate the stored name: the citizen's file name is kept only as data."""
    extension = PurePosixPath(filename).suffix.lower()
    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


class _AttachmentStorage(LazyObject):
    """The "attachments" storage of settings.STORAGES, looked up on first use.

    A FileField evaluates its storage once, when the model is loaded; this
    indirection lets a changed STORAGES setting (another backend, a test's
    temporary folder) take effect.
    """

    def _setup(self) -> None:
        self._wrapped = cast(Storage, storages["attachments"])


_attachment_storage = _AttachmentStorage()


@receiver(setting_changed)
def _reset_attachment_storage(*, setting: str, **kwargs: object) -> None:
    if setting == "STORAGES":
        _attachment_storage._wrapped = empty  # type: ignore[assignment]  # LazyObject's own reset idiom


def attachments_storage() -> Storage:
    return cast(Storage, _attachment_storage)


class Appeal(Applicant):
    """An appeal received from a citizen: it exists only once the citizen is identified."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("поступило")

    number = models.CharField(_("регистрационный номер"), max_length=32, unique=True)
    year = models.PositiveSmallIntegerField(_("год"))
    sequence = models.PositiveIntegerField(_("порядковый номер"))
    status = models.CharField(_("состояние"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    channel = models.CharField(_("канал поступления"), max_length=16, choices=Channel.choices, default=Channel.SITE)
    received_at = models.DateTimeField(_("поступило"), default=timezone.now)
    # Set by the registrar (art. 8 part 2: within 3 days of receipt); the
    # 30-day term of art. 12 counts from this date, not from receipt.
    registered_at = models.DateTimeField(_("зарегистрировано"), null=True, blank=True)

    topic = models.ForeignKey(
        "classifiers.Topic", verbose_name=_("тематика"), on_delete=models.PROTECT, related_name="appeals"
    )
    # The code and title as the citizen saw them: the classifier may change later.
    topic_code = models.CharField(_("код тематики"), max_length=19)
    topic_title = models.CharField(_("тематика (на момент подачи)"), max_length=500)
    kind = models.CharField(_("вид обращения"), max_length=16, choices=AppealKind.choices)
    text = models.TextField(_("суть обращения"))
    attachment_count = models.PositiveSmallIntegerField(_("файлов"), default=0)

    identification_method = models.CharField(_("способ идентификации"), max_length=32)
    identified_as = models.CharField(_("идентифицирован как"), max_length=254)
    consent_at = models.DateTimeField(_("согласие дано"))
    access_code_hash = models.CharField(_("код доступа (хеш)"), max_length=128, editable=False)

    class Meta:
        verbose_name = _("обращение")
        verbose_name_plural = _("обращения")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="appeal_year_sequence_uniq"),
        ]
        indexes = [
            # Admin list, newest first (the default ordering).
            models.Index(fields=["-received_at"], name="appeal_received_idx"),
            # Admin search by the start of the surname: surname_key LIKE 'ИВАН%'
            # (the pattern opclass lets PostgreSQL use the index for LIKE).
            models.Index(fields=["surname_key"], name="appeal_surname_key_idx", opclasses=["varchar_pattern_ops"]),
        ]
        permissions = [("download_attachment", _("Может скачивать вложения"))]

    def __str__(self) -> str:
        return self.number


class RegistrationCounter(models.Model):
    """The last sequence number given in a year.

    The row is locked while a number is taken, inside the transaction that
    stores the appeal: concurrent receipts wait for each other, and a rolled
    back receipt gives its number back, so numbers have no gaps.
    """

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("счётчик номеров")
        verbose_name_plural = _("счётчики номеров")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"


def default_draft_expiry() -> datetime:
    return timezone.now() + timedelta(hours=settings.APPEALS_DRAFT_TTL_HOURS)


class Draft(models.Model):
    """A submission that is not yet an appeal: it waits for the citizen's identification.

    It has no number and no legal standing; it is deleted with its files
    when it expires. Once confirmed it only remembers which appeal it
    became, so that a second click or a resubmitted form finds that appeal.
    """

    class Status(models.TextChoices):
        EDITING = "editing", _("заполняется")
        AWAITING = "awaiting", _("ожидает подтверждения")
        CONFIRMED = "confirmed", _("подтверждено")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.EDITING)
    data = models.JSONField(default=dict, blank=True)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=default_draft_expiry)
    submitted_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, blank=True)
    code_hash = models.CharField(max_length=64, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    appeal = models.OneToOneField(Appeal, null=True, blank=True, on_delete=models.SET_NULL, related_name="draft")

    class Meta:
        verbose_name = _("черновик")
        verbose_name_plural = _("черновики")
        indexes = [models.Index(fields=["expires_at"], name="draft_expires_idx")]  # the purge task

    def __str__(self) -> str:
        return str(self.key)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class Attachment(models.Model):
    """A file checked by content; it belongs to a draft until the draft becomes an appeal."""

    draft = models.ForeignKey(Draft, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    appeal = models.ForeignKey(
        Appeal, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("файл"), upload_to=attachment_upload_to, storage=attachments_storage, max_length=200)
    original_name = models.CharField(_("имя файла у заявителя"), max_length=255)
    content_type = models.CharField(_("тип"), max_length=64)
    size = models.PositiveIntegerField(_("размер, байт"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("загружен"), auto_now_add=True)

    class Meta:
        verbose_name = _("вложение")
        verbose_name_plural = _("вложения")
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(draft__isnull=True, appeal__isnull=False)
                | models.Q(draft__isnull=False, appeal__isnull=True),
                name="attachment_draft_xor_appeal",
            )
        ]

    def __str__(self) -> str:
        return self.original_name
