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


class AnswerFragment(models.Model):
    """A standard passage of an answer (the administrator's reference book), inserted into a draft.

    Plain text, as the executor would type it; the draft page lists the
    active ones in their order, each with a button that puts it at the cursor.
    """

    title = models.CharField(_("название"), max_length=200)
    text = models.TextField(_("текст"))
    order = models.PositiveSmallIntegerField(_("порядок"), default=100)
    is_active = models.BooleanField(_("предлагается"), default=True)

    class Meta:
        verbose_name = _("типовой фрагмент ответа")
        verbose_name_plural = _("типовые фрагменты ответов")
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title


class PostalLetter(models.Model):
    """A letter waiting to be printed and posted: the clerk's print queue.

    Made by letters.services when the citizen chose a reply by post (or the
    receiving body has no e-mail). The PDF is in the "attachments" storage.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("ожидает печати")
        BATCHED = "batched", _("в пакете на печать")
        PRINTED = "printed", _("напечатано")
        SENT = "sent", _("отправлено")
        RETURNED = "returned", _("вернулось")

    # The values are those of postal.documents.MailClass / Envelope (letters
    # does not import postal: the print room is a capability on top of it).
    class MailClass(models.TextChoices):
        SIMPLE = "simple", _("простое")
        REGISTERED = "registered", _("заказное")
        REGISTERED_NOTICE = "registered_notice", _("заказное с уведомлением о вручении")

    class Envelope(models.TextChoices):
        DL = "dl", _("DL (110×220 мм)")
        C5 = "c5", _("C5 (162×229 мм)")
        C4 = "c4", _("C4 (229×324 мм)")
        WINDOW = "window", _("DL с окном (без печатного конверта)")

    class ReturnReason(models.TextChoices):
        EXPIRED = "expired", _("истёк срок хранения")
        NOT_FOUND = "not_found", _("адресат не найден")
        NO_ADDRESS = "no_address", _("адрес не существует или указан неверно")
        REFUSED = "refused", _("отказ адресата от получения")
        MOVED = "moved", _("адресат выбыл")
        DIED = "died", _("смерть адресата")
        OTHER = "other", _("другая причина")

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
    mail_class = models.CharField(
        _("вид отправления"), max_length=20, choices=MailClass.choices, default=MailClass.REGISTERED
    )
    sheets = models.PositiveSmallIntegerField(_("листов"), null=True, blank=True)
    envelope = models.CharField(_("конверт"), max_length=8, choices=Envelope.choices, blank=True)
    weight = models.PositiveIntegerField(_("масса, г"), null=True, blank=True)
    returned_at = models.DateTimeField(_("вернулось"), null=True, blank=True)
    return_reason = models.CharField(_("причина возврата"), max_length=16, choices=ReturnReason.choices, blank=True)
    return_note = models.CharField(_("отметка о возврате"), max_length=500, blank=True)
    # The official's decision on a returned letter: sent again (resent_as) or answered another way.
    return_settled_at = models.DateTimeField(_("решение по возврату принято"), null=True, blank=True)
    # What the PDF was laid out from besides the addressee, subject and text (letters.services.letter_layout):
    # a letter re-sent to a corrected address is laid out again from it, the same in all but the address.
    layout = models.JSONField(_("реквизиты письма для печати"), default=dict, blank=True, editable=False)
    resent_from = models.ForeignKey(
        "self", verbose_name=_("повторная отправка письма"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="resent_as",
    )

    class Meta:
        verbose_name = _("почтовое письмо")
        verbose_name_plural = _("почтовые письма")
        ordering = ["-created_at"]
        indexes = [
            # The clerk's queue: letters in one state, oldest first.
            models.Index(fields=["status", "created_at"], name="letters_postal_status_idx"),
            # The queue in every state (the clerk's «все»), oldest first.
            models.Index(fields=["created_at", "id"], name="letters_postal_created_idx"),
            # The few letters to other bodies, searched by a part of their addressee.
            models.Index(fields=["created_at"], name="letters_postal_body_idx",
                         condition=models.Q(kind__in=sorted(TO_BODY_KINDS))),
        ]
        constraints = [
            # A ШПИ identifies one item at Russian Post: never two letters with one number.
            models.UniqueConstraint(
                fields=["tracking_number"], condition=~models.Q(tracking_number=""),
                name="letters_postal_tracking_unique",
            ),
        ]

    def __str__(self) -> str:
        first_line = self.addressee.splitlines()[0] if self.addressee else ""
        return f"{self.get_kind_display()} → {first_line}"
