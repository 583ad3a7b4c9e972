"""Reference books: the topic classifier, the institution's details, the intake notes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from classifiers.codes import (
    CODE_MAX_LENGTH,
    QUESTION_LEVEL,
    TITLE_MAX_LENGTH,
    code_level,
    is_valid_code,
    parent_code,
)
from classifiers.validators import validate_postal_index, validate_topic_code


class TopicQuerySet(models.QuerySet["Topic"]):
    def active(self) -> TopicQuerySet:
        """Return topics that are not retired."""
        return self.filter(is_active=True)

    def offered(self) -> TopicQuerySet:
        """Return the questions the citizen form offers, in the form's order."""
        # level=4 is implied by the check constraint; it stays in the filter so
        # that the query states what the form needs.
        return self.filter(is_offered=True, is_active=True, level=QUESTION_LEVEL).order_by("sort_order", "code")


class Topic(models.Model):
    """A node of the all-Russian topic classifier: section, theme group, theme or question.

    Appeals reference a topic with on_delete=PROTECT and also keep a snapshot of
    its code and title, so a topic is retired (is_active=False), never deleted,
    once it is in use.
    """

    code = models.CharField(
        _("код"),
        max_length=CODE_MAX_LENGTH,
        validators=[validate_topic_code],
        help_text=_("Четыре блока по четыре цифры: раздел.тематика.тема.вопрос, например 0002.0006.0064.0272."),
    )
    title = models.CharField(_("наименование"), max_length=TITLE_MAX_LENGTH)
    # Derived from the code in save(); stored so that lists filter on it.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("родительская тема"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        editable=False,
        # Indexed by classifiers_topic_parent_idx below, under a stable name.
        db_index=False,
    )
    level = models.PositiveSmallIntegerField(_("уровень"), editable=False)
    is_offered = models.BooleanField(
        _("предлагается на форме"),
        default=False,
        help_text=_("Гражданин может выбрать эту тему в форме обращения. Только для вопросов (4-й уровень)."),
    )
    is_active = models.BooleanField(
        _("действует"),
        default=True,
        help_text=_(
            "Снимите отметку, чтобы вывести тему из употребления: на форме она не предлагается, "
            "но остаётся в прежних обращениях."
        ),
    )
    sort_order = models.PositiveIntegerField(_("порядок"), default=0)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("тема классификатора")
        verbose_name_plural = _("темы классификатора")
        ordering = ("sort_order", "code")
        constraints = (
            # Also the index for lookups by code: the importer, parent resolution.
            # No custom message, so that forms report the duplicate on the code field.
            models.UniqueConstraint(fields=["code"], name="classifiers_topic_code_uniq"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=QUESTION_LEVEL),
                name="classifiers_topic_level_range",
            ),
            models.CheckConstraint(
                condition=Q(is_offered=False) | Q(level=QUESTION_LEVEL),
                name="classifiers_topic_offered_question",
                violation_error_message=_("Предлагать на форме можно только вопросы (4-й уровень)."),
            ),
            models.CheckConstraint(
                condition=Q(is_offered=False) | Q(is_active=True),
                name="classifiers_topic_offered_active",
                violation_error_message=_("Выведенную из употребления тему нельзя предлагать на форме."),
            ),
        )
        indexes = (
            # Topic.objects.offered(): the topic list of the citizen form, read on
            # every form view. Partial, so it holds only the few offered rows of a
            # classifier of thousands.
            models.Index(
                fields=["sort_order", "code"],
                condition=Q(is_offered=True, is_active=True),
                name="classifiers_topic_offered_idx",
            ),
            # topic.children and the PROTECT check run when a topic is deleted.
            models.Index(fields=["parent"], name="classifiers_topic_parent_idx"),
        )

    def __str__(self) -> str:
        return self.label

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Derive level and parent from the code, then save."""
        self._derive_hierarchy()
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        """Return the code and title as the form shows them: "0000.0000.0000.0272 Платное образование"."""
        return f"{self.code} {self.title}"

    @property
    def is_question(self) -> bool:
        return self.level == QUESTION_LEVEL

    def clean(self) -> None:
        """Derive level and parent from the code and check the form rules."""
        errors: dict[str, list[ValidationError]] = {}
        if self.pk is not None:
            old_code = Topic.objects.filter(pk=self.pk).values_list("code", flat=True).first()
            if old_code is not None and old_code != self.code:
                # Appeals keep the code in their snapshot; a new code is a new topic.
                errors.setdefault("code", []).append(
                    ValidationError(_("Код существующей темы изменить нельзя."), code="code_changed")
                )
        # A malformed code is the field validator's to report.
        if is_valid_code(self.code):
            try:
                self._derive_hierarchy()
            except Topic.DoesNotExist:
                errors.setdefault("code", []).append(
                    ValidationError(
                        _("Нет родительской темы %(parent)s: сначала добавьте её."),
                        code="missing_parent",
                        params={"parent": parent_code(self.code)},
                    )
                )
        if self.is_offered and self.level is not None and self.level != QUESTION_LEVEL:
            errors.setdefault("is_offered", []).append(
                ValidationError(_("Предлагать на форме можно только вопросы (4-й уровень)."), code="not_question")
            )
        if self.is_offered and not self.is_active:
            errors.setdefault("is_offered", []).append(
                ValidationError(_("Выведенную из употребления тему нельзя предлагать на форме."), code="retired")
            )
        if errors:
            raise ValidationError(errors)

    def _derive_hierarchy(self) -> None:
        """Set level and parent from the code.

        Raise TopicCodeError for a malformed code and Topic.DoesNotExist when
        the parent code has no topic yet.
        """
        self.level = code_level(self.code)
        wanted = parent_code(self.code)
        if wanted is None:
            self.parent = None
        elif self.parent is None or self.parent.code != wanted:
            self.parent = Topic.objects.get(code=wanted)


class Institution(models.Model):
    """The institution's details, one row, made by migration 0002 and edited in admin."""

    SINGLETON_PK = 1

    # A fixed primary key plus the check constraint keep the table at one row
    # whatever the admin or the shell does.
    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_PK, editable=False)
    short_name = models.CharField(_("краткое наименование"), max_length=200)
    full_name = models.CharField(_("полное наименование"), max_length=500)
    postal_address = models.CharField(
        _("почтовый адрес"), max_length=300, help_text=_("Без индекса: г. Москва, ул. Остоженка, д. 38, стр. 1.")
    )
    postal_index = models.CharField(_("почтовый индекс"), max_length=6, validators=[validate_postal_index])
    email = models.EmailField(_("электронная почта"))
    website = models.URLField(_("сайт"))
    phone = models.CharField(_("телефон"), max_length=50, blank=True)
    # The consent box of the citizen's form (issue 10 item 6): the law's word
    # «обращений» unless the institution's own text says otherwise.
    consent_label = models.CharField(
        _("текст согласия в форме"), max_length=300, blank=True,
        help_text=_("Пусто: «Я согласен с порядком передачи и рассмотрения обращений»."),
    )

    class Meta:
        verbose_name = _("учреждение")
        verbose_name_plural = _("учреждение")
        constraints = (models.CheckConstraint(condition=Q(id=1), name="classifiers_institution_single_row"),)

    def __str__(self) -> str:
        return self.short_name

    @classmethod
    def get_current(cls) -> Institution:
        """Return the institution's details; raise Institution.DoesNotExist if migrations did not run."""
        # Not created on read: silently invented details would end up in
        # official letters. Migration 0002_mglu_defaults makes the row.
        try:
            return cls.objects.get(pk=cls.SINGLETON_PK)
        except cls.DoesNotExist:
            raise cls.DoesNotExist(
                "The institution's details are missing; run migrations (classifiers 0002_mglu_defaults)."
            ) from None

    @property
    def full_postal_address(self) -> str:
        """Return the address with the index first, as Russian Post wants it."""
        return f"{self.postal_index}, {self.postal_address}"


class IntakeNoteQuerySet(models.QuerySet["IntakeNote"]):
    def published(self) -> IntakeNoteQuerySet:
        """Return the notes shown above the citizen form, in order."""
        # A few dozen rows at most: no index needed.
        return self.filter(is_published=True).order_by("sort_order", "pk")


class IntakeNote(models.Model):
    """A paragraph of the information shown above the citizen form (points 1-11 and the rest)."""

    number = models.PositiveSmallIntegerField(
        _("номер пункта"), null=True, blank=True, help_text=_("Пусто для абзаца без номера.")
    )
    title = models.CharField(_("заголовок"), max_length=300, blank=True)
    text = models.TextField(
        _("текст"),
        help_text=_("Обычный текст. Пустая строка начинает новый абзац, перевод строки — новую строку."),
    )
    is_published = models.BooleanField(_("опубликовано"), default=True)
    sort_order = models.PositiveIntegerField(_("порядок"), default=0)

    objects = IntakeNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("пояснение к форме")
        verbose_name_plural = _("пояснения к форме")
        ordering = ("sort_order", "pk")

    def __str__(self) -> str:
        head = self.title or Truncator(self.text).chars(60)
        return f"{self.number}. {head}" if self.number is not None else head


class ExternalBody(models.Model):
    """Another state body, local authority or organisation: where appeals are redirected (art. 8 part 3)
    and documents requested (art. 10 part 2)."""

    class Kind(models.TextChoices):
        # Item 2 of art. 10 part 1 of 59-FZ lets the institution request documents from other bodies
        # and officials "except courts, bodies of inquiry and bodies of preliminary investigation".
        OTHER = "other", _("иной орган или организация")
        COURT = "court", _("суд")
        INQUIRY = "inquiry", _("орган дознания")
        INVESTIGATION = "investigation", _("орган предварительного следствия")

    # The kinds documents are never requested from (item 2 of art. 10 part 1).
    NO_DOCUMENTS_REQUEST = (Kind.COURT, Kind.INQUIRY, Kind.INVESTIGATION)

    name = models.CharField(_("наименование"), max_length=500, unique=True)
    # The letters cite an appeal sent on by this body: «поступившее из Министерства …».
    name_genitive = models.CharField(
        _("наименование в родительном падеже"), max_length=500, blank=True,
        help_text=_("Для ссылки в письмах на обращение, поступившее из этого органа: «Министерства науки и "
                    "высшего образования Российской Федерации». Пусто: «органа (организации) «…»»."),
    )
    kind = models.CharField(
        _("вид органа"), max_length=16, choices=Kind.choices, default=Kind.OTHER,
        help_text=_("У судов, органов дознания и органов предварительного следствия документы по обращениям "
                    "не запрашиваются (п. 2 ч. 1 ст. 10 Федерального закона № 59-ФЗ)."),
    )
    postal_address = models.CharField(_("почтовый адрес"), max_length=500, blank=True)
    email = models.EmailField(_("электронная почта"), blank=True)
    is_law_enforcement = models.BooleanField(
        _("правоохранительный орган"),
        default=False,
        help_text=_("Сюда направляются обращения без фамилии или адреса, сообщающие о противоправном деянии "
                    "(ч. 1 ст. 11)."),
    )
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        verbose_name = _("орган (организация)")
        verbose_name_plural = _("органы и организации")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def accepts_documents_request(self) -> bool:
        return self.kind not in self.NO_DOCUMENTS_REQUEST


class CalendarDay(models.Model):
    """An administrator's correction of the working-day calendar.

    The Russian public holidays and the government's transfer decrees come
    from the `holidays` library; a row here wins over it (a decree the
    library does not know yet, a local day off). Saving or deleting a row
    recomputes the due dates of open appeals.
    """

    date = models.DateField(_("дата"), unique=True)
    is_working = models.BooleanField(
        _("рабочий день"), help_text=_("Отмечено: рабочий день (например, перенесённая суббота). "
                                       "Не отмечено: нерабочий день.")
    )
    note = models.CharField(_("основание"), max_length=300, blank=True,
                            help_text=_("Например: постановление Правительства РФ о переносе выходных дней."))

    class Meta:
        verbose_name = _("день производственного календаря")
        verbose_name_plural = _("производственный календарь: исключения")
        ordering = ("-date",)

    def __str__(self) -> str:
        kind = _("рабочий") if self.is_working else _("нерабочий")
        return f"{self.date:%d.%m.%Y} ({kind})"


class OutcomeBook(models.Model):
    """A short reference book of the analysis of complaints: a title, retired rather than deleted."""

    title = models.CharField(_("наименование"), max_length=200, unique=True)
    is_active = models.BooleanField(
        _("действует"), default=True,
        help_text=_("Снимите отметку, чтобы больше не предлагать значение; в прежних обращениях оно остаётся."),
    )
    order = models.PositiveIntegerField(_("порядок"), default=0)

    class Meta:
        abstract = True
        ordering = ("order", "title")

    def __str__(self) -> str:
        return self.title


class Cause(OutcomeBook):
    """The cause found behind a question of an appeal (the complaint-analysis table's «причина»)."""

    class Meta(OutcomeBook.Meta):
        verbose_name = _("причина")
        verbose_name_plural = _("причины обращений")


class Measure(OutcomeBook):
    """A measure taken on a supported question: выговор, замечание, совещание, …"""

    class Meta(OutcomeBook.Meta):
        verbose_name = _("принятая мера")
        verbose_name_plural = _("принятые меры")
