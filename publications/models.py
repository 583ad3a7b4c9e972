"""An answer to a question of general interest, published as a public page without personal data."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class PublishedAnswerQuerySet(models.QuerySet["PublishedAnswer"]):
    def public(self) -> PublishedAnswerQuerySet:
        return self.filter(published_at__isnull=False)


class PublishedAnswer(models.Model):
    """The public page: topic, question, answer, date (art. 10 part 4, art. 11 part 5.1 of 59-FZ).

    The texts are the head's edited copies, never the appeal's own: the
    appeal it came from is kept for the officials and is never shown.
    """

    # The page's address: citizens see a UUID, never an id (STYLE.md).
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    topic = models.ForeignKey(
        "classifiers.Topic", verbose_name=_("тематика"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(
        _("вопрос кратко"), max_length=300,
        help_text=_("Заголовок страницы: суть вопроса в одной фразе, без имён и адресов."),
    )
    question = models.TextField(
        _("вопрос"), help_text=_("Вопрос своими словами, без персональных данных заявителя."),
    )
    answer = models.TextField(_("ответ"), help_text=_("Ответ, отредактированный для публикации."))
    source_appeal = models.ForeignKey(
        "appeals.Appeal", verbose_name=_("обращение, по которому подготовлен ответ"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
        help_text=_("Не публикуется: по нему проверяется, что в текстах нет данных заявителя."),
    )
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    published_at = models.DateTimeField(_("опубликован"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("опубликовал"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    # The weighted document of title (A), topic (B), question (B) and answer
    # (C), kept by services.refresh_search_vector on PostgreSQL; its GIN index
    # (migration 0001) serves the public search and the form's hints. Empty
    # on SQLite, where the search falls back to LIKE.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = PublishedAnswerQuerySet.as_manager()

    class Meta:
        verbose_name = _("опубликованный ответ")
        verbose_name_plural = _("опубликованные ответы")
        ordering = ["-published_at", "-id"]
        permissions = [("publish_publishedanswer", _("Публикует ответы на сайте"))]
        indexes = [
            # The public list: published pages, newest first.
            models.Index(fields=["-published_at", "-id"], name="pubanswer_public_idx",
                         condition=models.Q(published_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("publications:detail", kwargs={"key": self.key})

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Lexeme(models.Model):
    """How many published pages hold each word stem (PostgreSQL's ts_stat), for the form's hints.

    A citizen's essence is long and most of its words («курс», «место»,
    «студент») are in a large share of the pages: an OR of them all would
    rank a quarter of the table on every keystroke. The hints keep the
    essence's rarer stems (services.hint_lexemes). Rebuilt by the
    publications.tasks.refresh_lexemes task after each publication.
    """

    word = models.CharField(max_length=200, primary_key=True)
    documents = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("основа слова")
        verbose_name_plural = _("основы слов")

    def __str__(self) -> str:
        return self.word
