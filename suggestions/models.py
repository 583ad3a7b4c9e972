"""What the suggestions app keeps: the author keys of every appeal, the proposals, the word list of art. 11 part 3."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuthorKey(models.Model):
    """An appeal's author, folded for comparison (suggestions.normalize): one row per appeal.

    Filled when the appeal is received (suggestions.tasks) and, for appeals
    stored before this app, by `manage.py index_authors`.
    """

    appeal = models.OneToOneField("appeals.Appeal", primary_key=True, on_delete=models.CASCADE,
                                  related_name="author_key")
    name_key = models.CharField(max_length=201)
    patronymic = models.CharField(max_length=100, blank=True)
    surname = models.CharField(max_length=100)
    first_name = models.CharField(max_length=100)
    # Only an address the citizen proved (authorship.has_proven_email): one
    # copied by a registrar from a paper letter proves nothing.
    email = models.CharField(max_length=254, blank=True)
    address = models.CharField(max_length=500)
    street = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("ключ автора")
        verbose_name_plural = _("ключи авторов")
        indexes = [
            # authors.same_author_candidates: the same name at the same address, or on the same street.
            models.Index(fields=["name_key", "address"], name="author_name_address_idx"),
            models.Index(fields=["name_key", "street"], name="author_name_street_idx"),
            # ... and the same proven e-mail whatever the name (the names are compared in Python).
            models.Index(fields=["email"], name="author_email_idx", condition=~models.Q(email="")),
        ]

    def __str__(self) -> str:
        return self.name_key


class AppealText(models.Model):
    """An appeal's text as PostgreSQL's Russian full-text search sees it (to_tsvector('russian', text)), stored.

    The GIN index of migration appeals 0015 finds appeals by their words,
    but holds no vectors to read back: ranking or filtering a candidate
    recomputes to_tsvector on its text (0.05-0.2 ms each), and on a million
    generated appeals, whose words are all common, the candidates number in
    the hundreds (bench/README.md section 11). Here the vector is read, not
    computed. Filled with the author key; empty on SQLite (suggestions.similar
    falls back to word overlap there).
    """

    appeal = models.OneToOneField("appeals.Appeal", primary_key=True, on_delete=models.CASCADE,
                                  related_name="suggestion_text")
    vector = SearchVectorField(null=True)

    class Meta:
        verbose_name = _("текст для поиска похожих")
        verbose_name_plural = _("тексты для поиска похожих")
        # The GIN index appeal_text_vector_idx (similar._candidates, when
        # the words are rare) is created on PostgreSQL only, by migration
        # 0004_appeal_text_vectors: SQLite has no GIN.

    def __str__(self) -> str:
        return str(self.appeal_id)


class ProposalKind(models.TextChoices):
    SAME_AUTHOR = "same_author", _("тот же заявитель")
    KIND = "kind", _("вид обращения")
    SIMILAR = "similar", _("похожее обращение")
    ART11 = "art11", _("основание ст. 11")
    TOPIC = "topic", _("тематика")


class Proposal(models.Model):
    """One suggestion to the registrar about one appeal: it proposes, the registrar accepts or rejects.

    An accepted proposal is carried out by a step of services.handling (the
    link, the kind, the art. 11 decision, the question), whose history entry
    says «по подсказке»; the decision here is what the accuracy counts.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("предложено")
        ACCEPTED = "accepted", _("принято")
        REJECTED = "rejected", _("отклонено")

    appeal = models.ForeignKey("appeals.Appeal", verbose_name=_("обращение"), on_delete=models.CASCADE,
                               related_name="proposals")
    kind = models.CharField(_("вид подсказки"), max_length=16, choices=ProposalKind.choices)
    # The other appeal a same-author or similar proposal points to.
    other = models.ForeignKey("appeals.Appeal", verbose_name=_("другое обращение"), null=True, blank=True,
                              on_delete=models.CASCADE, related_name="+")
    # What is proposed: the kind's code, the art. 11 case, the topic's code.
    value = models.CharField(_("что предложено"), max_length=32, blank=True)
    reasons = models.JSONField(_("почему"), default=list, blank=True)
    score = models.FloatField(_("уверенность"), default=0.0)
    status = models.CharField(_("решение"), max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("предложено"), default=timezone.now)
    decided_at = models.DateTimeField(_("решено"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("кто решил"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("подсказка")
        verbose_name_plural = _("подсказки")
        ordering = ["kind", "-score", "pk"]
        constraints = [
            # Recomputing an appeal's suggestions never doubles one.
            models.UniqueConstraint(fields=["appeal", "kind", "other"], name="proposal_other_uniq",
                                    condition=models.Q(other__isnull=False)),
            models.UniqueConstraint(fields=["appeal", "kind", "value"], name="proposal_value_uniq",
                                    condition=models.Q(other__isnull=True)),
        ]
        indexes = [
            # The accuracy per kind (services.accuracy): decided proposals grouped by kind.
            models.Index(fields=["kind", "status"], name="proposal_kind_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.kind} {self.value or self.other_id}"


class SuggestionState(models.Model):
    """When an appeal's suggestions were last computed: the page computes them once if the task has not."""

    appeal = models.OneToOneField("appeals.Appeal", primary_key=True, on_delete=models.CASCADE,
                                  related_name="suggestion_state")
    computed_at = models.DateTimeField(default=timezone.now)
    took_ms = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("расчёт подсказок")
        verbose_name_plural = _("расчёты подсказок")

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.computed_at:%d.%m.%Y %H:%M}"


class ScreeningWord(models.Model):
    """A word or phrase that may make an appeal a case of art. 11 part 3: the administrator edits the list.

    A match only flags the appeal for the registrar; leaving it without an
    answer is always an official's decision (decide_art11).
    """

    class Category(models.TextChoices):
        OBSCENE = "obscene", _("нецензурное выражение")
        OFFENSIVE = "offensive", _("оскорбление")
        THREAT = "threat", _("угроза жизни, здоровью, имуществу")

    class Match(models.TextChoices):
        PREFIX = "prefix", _("слово с окончанием")
        ROOT = "root", _("часть слова")
        PHRASE = "phrase", _("фраза (начала слов подряд)")

    text = models.CharField(_("слово или фраза"), max_length=100, unique=True,
                            help_text=_("Слово с окончанием (до трёх букв): «идиот» найдёт «идиоты», «идиотами». "
                                        "Для фразы: начала слов через пробел, «доберусь до ваш»."))
    category = models.CharField(_("категория"), max_length=16, choices=Category.choices)
    match = models.CharField(_("как искать"), max_length=8, choices=Match.choices, default=Match.PREFIX)
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        verbose_name = _("слово для проверки по ч. 3 ст. 11")
        verbose_name_plural = _("слова для проверки по ч. 3 ст. 11")
        ordering = ["category", "text"]

    def __str__(self) -> str:
        return self.text
