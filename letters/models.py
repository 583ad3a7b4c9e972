"""The texts of notices and answers (edited by the administrator) and the queue of postal letters."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class LetterKind(models.TextChoices):
    """Every letter the portal sends; the set is fixed by code, the texts are data."""

    ACKNOWLEDGEMENT = "acknowledgement", _("Обращение поступило")
    REGISTERED = "registered", _("Обращение зарегистрировано")
    REDIRECT = "redirect", _("Уведомление о переадресации по компетенции (ч. 3 ст. 8)")
    REDIRECT_BODY = "redirect_body", _("Сопроводительное письмо в орган при переадресации (ч. 3 ст. 8)")
    COPIES = "copies", _("Уведомление о направлении копий в другие органы (ч. 4 ст. 8)")
    COPIES_BODY = "copies_body", _("Сопроводительное письмо к копии обращения (ч. 4 ст. 8)")
    COMPLAINT_RETURNED = "complaint_returned", _("Возврат жалобы, которую некому направить (ч. 7 ст. 8)")
    ART11_PART1_FORWARD = "art11_part1_forward", _(
        "Направление анонимного обращения о противоправном деянии (ч. 1 ст. 11)"
    )
    ART11_PART2 = "art11_part2", _("Возврат жалобы на судебное решение (ч. 2 ст. 11)")
    ART11_PART3 = "art11_part3", _("Нецензурные или оскорбительные выражения, угрозы (ч. 3 ст. 11)")
    ART11_PART4 = "art11_part4", _("Текст не поддаётся прочтению (ч. 4 ст. 11)")
    ART11_PART4_1 = "art11_part4_1", _("Текст не позволяет определить суть (ч. 4.1 ст. 11)")
    ART11_PART5 = "art11_part5", _("Прекращение переписки (ч. 5 ст. 11)")
    ART11_PART5_1 = "art11_part5_1", _("Ответ размещён на официальном сайте (ч. 5.1 ст. 11)")
    ART11_PART6 = "art11_part6", _("Ответ невозможен без разглашения тайны (ч. 6 ст. 11)")
    EXTENSION = "extension", _("Продление срока рассмотрения (ч. 2 ст. 12)")
    DOCUMENTS_REQUEST = "documents_request", _("Запрос документов в другой орган (ч. 2 ст. 10)")
    WITHDRAWN = "withdrawn", _("Прекращение рассмотрения по заявлению гражданина (ст. 5)")
    ANSWER = "answer", _("Ответ по существу (ч. 3 ст. 10)")
    ACCESS_CODE = "access_code", _("Новый код доступа к сведениям об обращении")


# Letters addressed to another body, not to the citizen.
TO_BODY_KINDS = frozenset({
    LetterKind.REDIRECT_BODY, LetterKind.COPIES_BODY, LetterKind.ART11_PART1_FORWARD, LetterKind.DOCUMENTS_REQUEST,
})


class LetterTemplate(models.Model):
    """The subject and text of one kind of letter, in the Django template language.

    The shipped texts (letters/defaults.py) are loaded by migration 0002; the
    administrator edits them, and a broken template is refused on save, so a
    letter never fails to render in a Celery task at night.
    """

    kind = models.CharField(_("вид письма"), max_length=32, choices=LetterKind.choices, unique=True)
    subject = models.CharField(
        _("тема"),
        max_length=500,
        help_text=_("Тема письма и заголовок к тексту официального письма; одна строка."),
    )
    body = models.TextField(
        _("текст"),
        help_text=_(
            "Обычный текст: пустая строка начинает новый абзац. Обращение («Уважаемая …!») — первым абзацем. "
            "Подпись (должность и ФИО подписанта) и реквизиты учреждения добавляются автоматически."
        ),
    )
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кем изменён"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("шаблон письма")
        verbose_name_plural = _("шаблоны писем")
        ordering = ["kind"]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Not only the admin form: the shell and the reset action go through here too.
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """Refuse a subject or text that does not compile or does not render with a sample context."""
        from letters.templating import template_errors

        errors = template_errors(self.kind, subject=self.subject, body=self.body)
        if errors:
            raise ValidationError(errors)


class PostalLetter(models.Model):
    """A letter waiting to be printed and posted: the clerk's print queue.

    Made by letters.services when the citizen chose a reply by post (or the
    receiving body has no e-mail). The PDF is in the "attachments" storage.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("ожидает печати")
        PRINTED = "printed", _("напечатано")
        SENT = "sent", _("отправлено")

    appeal = models.ForeignKey(
        "appeals.Appeal", verbose_name=_("обращение"), on_delete=models.PROTECT, related_name="postal_letters"
    )
    kind = models.CharField(_("вид письма"), max_length=32, choices=LetterKind.choices)
    addressee = models.TextField(_("адресат"), help_text=_("Строки адресного блока: кому, адрес, индекс."))
    postal_index = models.CharField(_("индекс"), max_length=6, blank=True)
    subject = models.CharField(_("тема"), max_length=500)
    text = models.TextField(_("текст"))
    pdf_path = models.CharField(_("PDF в хранилище"), max_length=255)
    status = models.CharField(_("состояние"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    printed_at = models.DateTimeField(_("напечатано"), null=True, blank=True)
    sent_at = models.DateTimeField(_("отправлено"), null=True, blank=True)
    tracking_number = models.CharField(_("ШПИ"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("почтовое письмо")
        verbose_name_plural = _("почтовые письма")
        ordering = ["-created_at"]
        indexes = [
            # The clerk's queue: letters in one state, oldest first.
            models.Index(fields=["status", "created_at"], name="letters_postal_status_idx"),
        ]

    def __str__(self) -> str:
        first_line = self.addressee.splitlines()[0] if self.addressee else ""
        return f"{self.get_kind_display()} → {first_line}"
