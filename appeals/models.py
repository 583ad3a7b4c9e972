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
from django.db.models import F
from django.db.models.functions import Upper
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _

from appeals.attachments import short_file_name


class Channel(models.TextChoices):
    """How the appeal reached the institution (kept for the reports and for 480-FZ)."""

    SITE = "site", _("официальный сайт")
    EPGU = "epgu", _("ЕПГУ (платформа обратной связи)")
    POST = "post", _("почта")
    PERSONAL = "personal", _("личный приём")
    # Art. 8 part 3 of 59-FZ: sent on by another body; the terms count from
    # its registration here, the letters cite the sending body's letter.
    REDIRECTED = "redirected", _("переадресовано из другого органа")


class IdentificationMethod(models.TextChoices):
    """How the author of an appeal was identified (547-FZ), in words for the officials' pages."""

    EMAIL = "email", _("подтверждение адреса электронной почты")
    ESIA = "esia", _("ЕСИА (Госуслуги)")
    REGISTRAR = "registrar", _("внесено регистратором с бумажного или устного обращения")


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
    # Blank only for appeals entered by the registrar that came by post.
    email = models.EmailField(_("электронная почта"), max_length=254, blank=True)
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


def attachment_upload_to(instance: models.Model, filename: str) -> str:
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


class StoredFile(models.Model):
    """A file checked by content (appeals.attachments), kept under a generated name in private storage."""

    file = models.FileField(_("файл"), upload_to=attachment_upload_to, storage=attachments_storage, max_length=200)
    original_name = models.CharField(_("имя файла"), max_length=255)
    content_type = models.CharField(_("тип"), max_length=64)
    size = models.PositiveIntegerField(_("размер, байт"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("загружен"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The citizen's file name, shortened for lists and letters; the extension stays visible."""
        return short_file_name(self.original_name)


class Department(models.Model):
    """A unit of the institution that considers appeals; staff belong to one or more."""

    name = models.CharField(_("наименование"), max_length=300, unique=True)
    short_name = models.CharField(_("краткое наименование"), max_length=100, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("сотрудники"), related_name="departments", blank=True
    )
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        verbose_name = _("подразделение")
        verbose_name_plural = _("подразделения")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class Art11Case(models.TextChoices):
    """Article 11 of 59-FZ: when an appeal gets no answer on the merits (DESIGN.md section 5)."""

    NO_NAME_OR_ADDRESS = "part1", _("ч. 1 ст. 11: не указаны фамилия или адрес для ответа")
    COURT_DECISION = "part2", _("ч. 2 ст. 11: обжалуется судебное решение")
    ABUSIVE = "part3", _("ч. 3 ст. 11: нецензурные или оскорбительные выражения, угрозы")
    UNREADABLE = "part4", _("ч. 4 ст. 11: текст не поддаётся прочтению")
    NO_ESSENCE = "part4_1", _("ч. 4.1 ст. 11: текст не позволяет определить суть")
    TERMINATED = "part5", _("ч. 5 ст. 11: переписка прекращена")
    PUBLISHED = "part5_1", _("ч. 5.1 ст. 11: ответ размещён на официальном сайте")
    SECRET = "part6", _("ч. 6 ст. 11: ответ невозможен без разглашения тайны")


class QuestionResult(models.TextChoices):
    """The result of consideration of one question, as the monthly ССТУ.РФ reports count it."""

    IN_PROGRESS = "in_progress", _("находится на рассмотрении")
    EXPLAINED = "explained", _("разъяснено")
    SUPPORTED = "supported", _("поддержано")
    NOT_SUPPORTED = "not_supported", _("не поддержано")
    ANSWERED = "answered", _("дан ответ автору")
    NO_ANSWER = "no_answer", _("оставлено без ответа автору")
    REDIRECTED = "redirected", _("направлено по компетенции")


class Appeal(Applicant):
    """An appeal received from a citizen: it exists only once the citizen is identified."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("поступило")
        REGISTERED = "registered", _("зарегистрировано")
        IN_WORK = "in_work", _("на рассмотрении")
        ON_APPROVAL = "on_approval", _("ответ на подписании")
        ANSWERED = "answered", _("дан ответ")
        REDIRECTED = "redirected", _("направлено по компетенции")
        NO_ANSWER = "no_answer", _("оставлено без ответа по существу")
        WITHDRAWN = "withdrawn", _("отозвано заявителем")

    OPEN_STATUSES = (Status.RECEIVED, Status.REGISTERED, Status.IN_WORK, Status.ON_APPROVAL)

    number = models.CharField(_("регистрационный номер"), max_length=32, unique=True)
    year = models.PositiveSmallIntegerField(_("год"))
    sequence = models.PositiveIntegerField(_("порядковый номер"))
    status = models.CharField(_("состояние"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    channel = models.CharField(_("канал поступления"), max_length=16, choices=Channel.choices, default=Channel.SITE)
    received_at = models.DateTimeField(_("поступило"), default=timezone.now)
    # Set by the registrar (art. 8 part 2: within 3 days of receipt); the
    # 30-day term of art. 12 counts from this date, not from receipt.
    registered_at = models.DateTimeField(_("зарегистрировано"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("зарегистрировал"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("подразделение"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="appeals",
    )
    executor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("исполнитель"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="appeals_to_execute",
    )
    # Art. 8 part 6: a complaint is never sent to the body, unit or official it
    # complains about. The registrar records them; assign and redirect refuse.
    complaint_against_body = models.ForeignKey(
        "classifiers.ExternalBody", verbose_name=_("жалоба на действия органа"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    complaint_against_department = models.ForeignKey(
        Department, verbose_name=_("жалоба на действия подразделения"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    complaint_against_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("жалоба на действия сотрудника"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )

    # Due dates, computed by appeals.deadlines from the events below and the
    # working-day calendar; stored so that lists filter and sort on them.
    registration_due = models.DateField(_("срок регистрации"), null=True, blank=True)
    decision_due = models.DateField(_("срок решения о переадресации или уведомления"), null=True, blank=True)
    answer_due = models.DateField(_("срок ответа"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("продлено на, дней"), default=0)
    extension_reason = models.TextField(_("основание продления"), blank=True)
    # The executor's request for an extension, waiting for the head's decision
    # (extend_term or decline_extension clears it); empty when none is pending.
    extension_requested_at = models.DateTimeField(_("продление запрошено"), null=True, blank=True)
    extension_requested_days = models.PositiveSmallIntegerField(_("запрошено продление на, дней"), default=0)
    extension_requested_reason = models.TextField(_("обоснование запроса продления"), blank=True)
    # The nearest due date of what the appeal waits for now (empty once
    # closed): the admin list opens sorted on it, filters read it.
    next_due = models.DateField(_("ближайший срок"), null=True, blank=True)
    # The 7-day decision (redirect, art. 11 notice or acceptance on the merits)
    # is taken once; until then the appeal shows as "7-day decision pending".
    decided_at = models.DateTimeField(_("решение по 7-дневному сроку"), null=True, blank=True)

    art11_case = models.CharField(_("основание ст. 11"), max_length=8, choices=Art11Case.choices, blank=True)
    redirected_to = models.ForeignKey(
        "classifiers.ExternalBody", verbose_name=_("направлено в"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="redirected_appeals",
    )
    closed_at = models.DateTimeField(_("рассмотрение завершено"), null=True, blank=True)
    linked_appeals = models.ManyToManyField(
        "self", verbose_name=_("связанные обращения"), symmetrical=True, blank=True,
    )

    topic = models.ForeignKey(
        "classifiers.Topic", verbose_name=_("тематика"), on_delete=models.PROTECT, related_name="appeals"
    )
    # The code and title as the citizen saw them: the classifier may change later.
    topic_code = models.CharField(_("код тематики"), max_length=19)
    topic_title = models.CharField(_("тематика (на момент подачи)"), max_length=500)
    kind = models.CharField(_("вид обращения"), max_length=16, choices=AppealKind.choices)
    text = models.TextField(_("суть обращения"))
    attachment_count = models.PositiveSmallIntegerField(_("файлов"), default=0)

    # --- paper and redirected appeals, collective appeals (issue 10 item 5) ---
    # Art. 8 part 3: an appeal sent on by another body. Its terms count from
    # the registration here, as any other's; the letters cite its letter.
    source_body = models.ForeignKey(
        "classifiers.ExternalBody", verbose_name=_("поступило из органа"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    source_number = models.CharField(_("исходящий номер органа"), max_length=64, blank=True)
    source_date = models.DateField(_("исходящая дата органа"), null=True, blank=True)
    sheets = models.PositiveSmallIntegerField(_("листов обращения"), null=True, blank=True)
    enclosures = models.PositiveSmallIntegerField(_("приложений"), null=True, blank=True)
    enclosure_sheets = models.PositiveSmallIntegerField(_("листов приложений"), null=True, blank=True)
    organisation = models.CharField(_("организация (объединение граждан)"), max_length=300, blank=True)
    # Set from the co-authors (CoAuthor) by the intake and the entry: an
    # appeal of two or more citizens in one document; the reports count it.
    is_collective = models.BooleanField(_("коллективное"), default=False)

    identification_method = models.CharField(_("способ идентификации"), max_length=32,
                                             choices=IdentificationMethod.choices)
    identified_as = models.CharField(_("идентифицирован как"), max_length=254)
    # Empty for appeals that came by post or in person: the form's consent is
    # a site thing; 59-FZ needs none to consider an appeal.
    consent_at = models.DateTimeField(_("согласие дано"), null=True, blank=True)
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
            # The admin's default view: open appeals, the nearest due date first;
            # and the "overdue" / "due within 3 days" filters. Partial: closed
            # appeals (most of a million) are not in it.
            models.Index(
                fields=["next_due", "received_at"], name="appeal_open_due_idx",
                condition=models.Q(closed_at__isnull=True),
            ),
            # The admin list's order over every appeal, open and closed: what
            # needs action first (next_due NULLS LAST), then the newest; Django
            # adds -id. Lets PostgreSQL read the first page straight from the
            # index instead of sorting a million rows (bench/README.md). An
            # ascending PostgreSQL index already keeps NULLs last, and a
            # descending one first, exactly as the query orders them.
            models.Index(fields=["next_due", "-received_at", "-id"], name="appeal_admin_order_idx"),
            # recompute_open_terms walks the open appeals by primary key.
            models.Index(fields=["id"], name="appeal_open_pk_idx", condition=models.Q(closed_at__isnull=True)),
            # An executor's list: their department's open appeals by due date.
            models.Index(
                fields=["department", "next_due"], name="appeal_dept_due_idx",
                condition=models.Q(closed_at__isnull=True),
            ),
            # The same citizen's earlier appeals (worklists.earlier_appeals_of_author).
            models.Index(fields=["email"], name="appeal_email_idx"),
            # ... by the full name as authorship.same_author compares it: only
            # the namesakes of the whole name are read, not of the surname.
            models.Index(F("surname_key"), Upper("first_name"), Upper("patronymic"), name="appeal_author_name_idx"),
            # The admin's surname search, in its order, is appeal_surname_order_idx:
            # PostgreSQL only (COLLATE "C"), created by migration 0020_headroom_indexes.
            # The 7-day decision filter and the front-page flags.
            models.Index(fields=["status", "registered_at"], name="appeal_status_reg_idx"),
            # The list filtered by state («в работе», «ответ дан»...) in the list's
            # order: the page is read off this index instead of walking every open
            # appeal first through appeal_admin_order_idx (bench/README.md, "Headroom").
            # With the department and the executor included, an executor's capped
            # count of a state is an index-only scan, not a walk of the table.
            models.Index(
                fields=["status", "next_due", "-received_at", "-id"], name="appeal_status_order_idx",
                include=["department", "executor"],
            ),
            # «не принято решение по 7-дневному сроку» and «нет решения более 5 дней»:
            # a few thousand of the open appeals, counted and listed off this index.
            models.Index(
                fields=["next_due", "-received_at", "-id"], name="appeal_decision_due_idx",
                condition=models.Q(closed_at__isnull=True, decided_at__isnull=True, registered_at__isnull=False),
            ),
            # The head's «продление запрошено» line: the open appeals with a pending request.
            models.Index(
                fields=["department", "extension_requested_at"], name="appeal_ext_requested_idx",
                condition=models.Q(closed_at__isnull=True, extension_requested_at__isnull=False),
            ),
            models.Index(fields=["executor", "next_due"], name="appeal_executor_due_idx"),
            # The admin list's search by phone (stored normalised: +7XXXXXXXXXX).
            models.Index(fields=["phone"], name="appeal_phone_idx"),
            # The search by words of the text uses a GIN index on
            # to_tsvector('russian', text), created on PostgreSQL only by
            # migration 0015_officials_list_search (SQLite has no GIN).
        ]
        permissions = [
            ("download_attachment", _("Может скачивать вложения")),
            ("view_all_departments", _("Видит обращения всех подразделений")),
            ("enter_appeal", _("Вносит обращения, поступившие иным путём")),
            ("register_appeal", _("Регистрирует обращения")),
            ("assign_appeal", _("Направляет обращения в подразделения и исполнителям")),
            ("redirect_appeal", _("Переадресует обращения по компетенции")),
            ("decide_art11", _("Принимает решения по статье 11")),
            ("request_documents", _("Запрашивает документы в других органах")),
            ("extend_term", _("Продлевает срок рассмотрения")),
            ("draft_answer", _("Готовит ответ")),
            ("sign_answer", _("Утверждает и подписывает ответ")),
            ("terminate_correspondence", _("Прекращает переписку (ч. 5 ст. 11)")),
            ("withdraw_appeal", _("Прекращает рассмотрение по заявлению гражданина")),
            ("link_appeals", _("Связывает повторные обращения")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def source_citation(self) -> str:
        """«из Министерства … (исх. № 12-3 от 1 декабря 2026 г.)»: the body that sent the appeal on, else empty.

        The letters put it after «поступившее» (letters.defaults.APPEAL_REF).
        """
        body = self.source_body
        if body is None:
            return ""
        from django.utils.formats import date_format

        name = body.name_genitive or _("органа (организации) «%(name)s»") % {"name": body.name}
        outgoing = []
        if self.source_number:
            outgoing.append(str(_("исх. № %(number)s") % {"number": self.source_number}))
        if self.source_date:
            outgoing.append(str(_("от %(date)s г.") % {"date": date_format(self.source_date, "j E Y")}))
        citation = str(_("из %(body)s") % {"body": name})
        return f"{citation} ({' '.join(outgoing)})" if outgoing else citation

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def is_complaint_restricted(self) -> bool:
        return bool(self.complaint_against_body_id or self.complaint_against_department_id
                    or self.complaint_against_user_id)


class CoAuthor(models.Model):
    """Another author of a collective appeal (art. 2 of 59-FZ): personal data, seen and logged as the applicant's.

    The applicant's fields of the appeal are the author the answer goes to
    (the contact); the co-authors are the others who signed.
    """

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="coauthors")
    last_name = models.CharField(_("фамилия"), max_length=100)
    first_name = models.CharField(_("имя"), max_length=100)
    patronymic = models.CharField(_("отчество"), max_length=100, blank=True)
    address = models.CharField(_("адрес"), max_length=500, blank=True)
    postal_index = models.CharField(_("индекс"), max_length=6, blank=True)

    class Meta:
        verbose_name = _("соавтор обращения")
        verbose_name_plural = _("соавторы обращения")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.patronymic) if part)


# What a co-author row holds, in the draft's JSON and in the entry form.
COAUTHOR_FIELDS = ("last_name", "first_name", "patronymic", "address", "postal_index")


class AppealQuestion(models.Model):
    """One question of an appeal with its result of consideration (ССТУ reports count questions)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="questions")
    topic = models.ForeignKey(
        "classifiers.Topic", verbose_name=_("вопрос"), on_delete=models.PROTECT, related_name="+"
    )
    topic_code = models.CharField(_("код вопроса"), max_length=19)
    topic_title = models.CharField(_("вопрос (на момент учёта)"), max_length=500)
    result = models.CharField(
        _("результат рассмотрения"), max_length=16, choices=QuestionResult.choices,
        default=QuestionResult.IN_PROGRESS,
    )
    measures_taken = models.BooleanField(_("меры приняты"), default=False)
    comment = models.TextField(_("примечание"), blank=True)
    # The analysis of the complaint (issue 11): the cause the executor found,
    # the measures taken on a supported question, and how it was checked.
    cause = models.ForeignKey(
        "classifiers.Cause", verbose_name=_("причина"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    # Only with result=supported and measures_taken: sign_answer enforces it
    # (a check constraint cannot see a many-to-many table).
    measures = models.ManyToManyField("classifiers.Measure", verbose_name=_("принятые меры"), blank=True,
                                      related_name="+")
    checked_by_commission = models.BooleanField(_("проверено комиссионно"), default=False)
    checked_on_site = models.BooleanField(_("проверено с выездом на место"), default=False)
    checked_with_applicant = models.BooleanField(_("проверено с участием заявителя"), default=False)

    class Meta:
        verbose_name = _("вопрос обращения")
        verbose_name_plural = _("вопросы обращения")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "topic"], name="appeal_question_uniq"),
            models.CheckConstraint(
                condition=models.Q(measures_taken=False) | models.Q(result="supported"),
                name="appeal_question_measures_supported",
                violation_error_message=_("«Меры приняты» отмечается только для поддержанных вопросов."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic_code} {self.topic_title}"


class AppendOnly(models.Model):
    """A record that is written once and never changed or deleted: histories and audits.

    The model refuses it. A bulk QuerySet.update() or delete() bypasses
    save() and delete(): for the appeal's history and the audit of rights a
    PostgreSQL trigger refuses those too (migrations appeals 0009_history_guard,
    accounts 0002_audit_append_only).
    """

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} is append-only: an entry cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"{type(self).__name__} is append-only: an entry cannot be deleted")


class AppealEvent(AppendOnly):
    """One step in an appeal's life: append-only (DESIGN.md section 3: nothing is deleted).

    A wrong step is corrected by a new step; save() refuses to change a
    stored row and delete() refuses to remove it.
    """

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="events")
    created_at = models.DateTimeField(_("когда"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("кто"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    # Who acted when there is no user: «заявитель», «система».
    actor_label = models.CharField(_("кто (без учётной записи)"), max_length=100, blank=True)
    action = models.CharField(_("действие"), max_length=64)  # dotted: "appeal.registered"
    comment = models.TextField(_("комментарий"), blank=True)
    before = models.JSONField(_("было"), default=dict, blank=True)
    after = models.JSONField(_("стало"), default=dict, blank=True)

    class Meta:
        verbose_name = _("шаг истории")
        verbose_name_plural = _("история")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["appeal", "created_at"], name="appeal_event_appeal_idx"),
            # The work lists: «внесены с бумаги сегодня» (appeal.entered since midnight).
            models.Index(fields=["action", "created_at"], name="appeal_event_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.action}"



class Answer(models.Model):
    """The answer on the merits: drafted by the executor, signed by an authorised official (art. 10 part 3)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("проект")
        ON_APPROVAL = "on_approval", _("на подписании")
        SIGNED = "signed", _("подписан")

    appeal = models.OneToOneField(Appeal, on_delete=models.PROTECT, related_name="answer")
    text = models.TextField(_("текст ответа"))
    status = models.CharField(_("состояние"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("подготовил"), on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField(_("подготовлен"), default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("подписал"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("подписан"), null=True, blank=True)
    signer_position = models.CharField(_("должность подписавшего"), max_length=300, blank=True)
    signer_name = models.CharField(_("подписавший (И. О. Фамилия)"), max_length=200, blank=True)
    outgoing_number = models.CharField(_("исходящий номер"), max_length=32, blank=True)
    outgoing_date = models.DateField(_("исходящая дата"), null=True, blank=True)
    # The signed answer as sent: an official document, rendered once at signing.
    pdf = models.FileField(
        _("ответ (PDF)"), upload_to="answers/%Y/%m", storage=attachments_storage, max_length=200, blank=True
    )

    class Meta:
        verbose_name = _("ответ")
        verbose_name_plural = _("ответы")
        # The admin list's search by the answer's outgoing number.
        indexes = [models.Index(fields=["outgoing_number"], name="answer_outgoing_idx")]

    def __str__(self) -> str:
        return self.outgoing_number or f"{self.appeal_id}"


class AnswerAutosave(models.Model):
    """The draft's text as the executor types it, kept by the page every few seconds (issue 10 item 4).

    Not the draft itself: the draft (Answer.text) changes, with its history
    entry, when the executor saves it. This row only keeps what was typed
    since, so that a closed tab or a lost connection loses nothing; the draft
    page offers it back, and saving the draft removes it. Kept on the server
    rather than in the browser: an office computer is shared, and the text
    holds the citizen's personal data.
    """

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("текст"))
    saved_at = models.DateTimeField(_("сохранено"), default=timezone.now)

    class Meta:
        verbose_name = _("автосохранение проекта ответа")
        verbose_name_plural = _("автосохранения проектов ответов")
        constraints = [models.UniqueConstraint(fields=["appeal", "user"], name="answer_autosave_unique")]

    def __str__(self) -> str:
        return f"{self.appeal_id}/{self.user_id} {self.saved_at:%d.%m.%Y %H:%M}"


class AnswerFile(StoredFile):
    """An enclosure of the answer (a copy of an order, a schedule): sent after the answer's pages."""

    answer = models.ForeignKey(Answer, on_delete=models.PROTECT, related_name="files")

    class Meta:
        verbose_name = _("приложение к ответу")
        verbose_name_plural = _("приложения к ответу")
        ordering = ["uploaded_at", "pk"]


class DocumentRequest(models.Model):
    """A request for documents to another body (art. 10 part 2); it answers within 15 days."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="document_requests")
    body = models.ForeignKey(
        "classifiers.ExternalBody", verbose_name=_("орган"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("что запрошено"))
    sent_on = models.DateField(_("направлен"))
    due = models.DateField(_("срок ответа органа"))
    answered_on = models.DateField(_("ответ получен"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("запрос документов")
        verbose_name_plural = _("запросы документов")
        ordering = ["sent_on", "pk"]

    def __str__(self) -> str:
        return f"{self.body} ({self.sent_on:%d.%m.%Y})"


class OutgoingCounter(models.Model):
    """The last outgoing number of a year, taken under a row lock as RegistrationCounter."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("счётчик исходящих номеров")
        verbose_name_plural = _("счётчики исходящих номеров")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"


class Reminder(models.Model):
    """A reminder sent about one due date: the unique constraint makes the job idempotent."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("за 3 дня до срока")
        MISSED = "missed", _("срок пропущен")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    due = models.DateField()
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("напоминание")
        verbose_name_plural = _("напоминания")
        constraints = [
            models.UniqueConstraint(fields=["appeal", "kind", "due", "recipient"], name="reminder_once_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.kind} {self.due}"


class AccessLogEntry(models.Model):
    """Who saw an appeal's personal data or downloaded its file, and when (152-FZ)."""

    class Action(models.TextChoices):
        VIEW = "view", _("просмотр")
        DOWNLOAD = "download", _("скачивание файла")
        CHANGE = "change", _("действие")
        # A postal letter's or an outgoing message's page: its address and text.
        VIEW_LETTER = "view_letter", _("просмотр письма")
        # A page of this log: who saw what of an appeal, and the files' names.
        VIEW_LOG = "view_log", _("просмотр журнала доступа")

    at = models.DateTimeField(_("когда"), default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("кто"), on_delete=models.PROTECT)
    action = models.CharField(_("что"), max_length=16, choices=Action.choices)
    appeal = models.ForeignKey(Appeal, verbose_name=_("обращение"), on_delete=models.PROTECT, related_name="+")
    detail = models.CharField(_("подробности"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("запись журнала доступа")
        verbose_name_plural = _("журнал доступа к персональным данным")
        ordering = ["-at"]
        indexes = [models.Index(fields=["appeal", "at"], name="accesslog_appeal_idx")]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.user} {self.action} {self.appeal_id}"


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
    # Wrong codes (and wrong link tokens) over the draft's whole life: a new
    # letter gives a new code but does not reset this, so the number of
    # guesses at this draft is bounded (identification.EmailIdentification).
    wrong_codes = models.PositiveSmallIntegerField(default=0)
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


class Attachment(StoredFile):
    """A file checked by content; it belongs to a draft until the draft becomes an appeal."""

    draft = models.ForeignKey(Draft, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    appeal = models.ForeignKey(
        Appeal, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    original_name = models.CharField(_("имя файла у заявителя"), max_length=255)

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


class StaffProfile(models.Model):
    """An official's staff record: the position and name printed under the letters they sign or prepare.

    Edited by the administrator; the sign form is filled from it (issue 10:
    the head's position is not typed anew for every answer).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("сотрудник"), on_delete=models.CASCADE, related_name="staff_profile"
    )
    position = models.CharField(_("должность"), max_length=300, blank=True,
                                help_text=_("Как она пишется под подписью: «Проректор по учебной работе»."))
    signature_name = models.CharField(
        _("подпись (И. О. Фамилия)"), max_length=200, blank=True,
        help_text=_("Пусто: по имени и фамилии в учётной записи."),
    )
    phone = models.CharField(_("служебный телефон"), max_length=32, blank=True,
                             help_text=_("Для отметки об исполнителе в письмах."))

    class Meta:
        verbose_name = _("должность сотрудника")
        verbose_name_plural = _("должности сотрудников")
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        name = self.user.get_full_name() or self.user.get_username()
        return f"{name}: {self.position}" if self.position else name
