"""Summary tables kept in step with the appeals, and the quarterly public review.

A report reads these tallies (a few thousand rows) instead of the appeals
(a million). Each appeal's share of them is kept in AppealShare, so that a
step that changes the appeal moves its count from the old key to the new
one (reports.summary). `manage.py rebuild_report_summary` rebuilds all of
it from the appeals.

The tallies carry the appeal's current department and executor: the rule
of appeals.services.access (department in the user's, or the user is the
executor) narrows them exactly as it narrows the appeals.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Tri-state of a due date kept: not reached yet (or not applicable), kept, missed.
TERM_NONE, TERM_KEPT, TERM_MISSED = 0, 1, 2


class TallyBase(models.Model):
    month = models.DateField()  # the first day of the month the appeal was received (local time)
    department = models.ForeignKey(
        "appeals.Department", null=True, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    executor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    channel = models.CharField(max_length=16)
    kind = models.CharField(max_length=16)
    count = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.month:%m.%Y}: {self.count}"


class AppealTally(TallyBase):
    """Appeals counted by month received, department, executor, topic, channel, kind, state and terms."""

    topic_code = models.CharField(max_length=19)
    status = models.CharField(max_length=16)
    registered = models.PositiveSmallIntegerField(default=TERM_NONE)
    decided = models.PositiveSmallIntegerField(default=TERM_NONE)
    answered = models.PositiveSmallIntegerField(default=TERM_NONE)
    extended = models.BooleanField(default=False)
    # Calendar days from registration to the signed answer; -1 until answered.
    days = models.SmallIntegerField(default=-1)
    # A collective appeal (appeals.Appeal.is_collective: co-authors), as the ССТУ report counts «коллективные».
    collective = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["month"], name="reports_atally_month_idx")]


class QuestionTally(TallyBase):
    """Questions counted by the appeal's month, department, executor, channel, kind; the question's code,
    result, measures and cause: the ССТУ report counts questions, not appeals."""

    topic_code = models.CharField(max_length=19)
    result = models.CharField(max_length=16)
    measures_taken = models.BooleanField(default=False)
    # The appeal's term was extended: an open question then counts as «рассмотрение продлено».
    extended = models.BooleanField(default=False)
    cause = models.ForeignKey(
        "classifiers.Cause", null=True, on_delete=models.PROTECT, related_name="+", db_constraint=False)

    class Meta:
        indexes = [models.Index(fields=["month"], name="reports_qtally_month_idx")]


class WeekTally(TallyBase):
    """Appeals by the week received (its Monday, local time), for the trends' weekly step.

    `month` is that of the Monday; the weekly chart filters on `week`.
    """

    week = models.DateField()
    topic_code = models.CharField(max_length=19)

    class Meta:
        indexes = [models.Index(fields=["week"], name="reports_wtally_week_idx")]


class SatisfactionTally(TallyBase):
    """Satisfaction requests (feedback.SatisfactionRequest) by the month the citizen was asked (local time;
    `month` here is that month, not the month received), the appeal's department, executor, topic, channel and
    kind, and the request's state, answer and mark. The report's counts and mean mark are sums over these."""

    topic_code = models.CharField(max_length=19)
    status = models.CharField(max_length=16)
    resolved = models.CharField(max_length=8, blank=True)
    mark = models.PositiveSmallIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["month"], name="reports_stally_month_idx")]


class AppealShare(models.Model):
    """What one appeal adds to the tallies now (the keys), so a change can take it back."""

    appeal = models.OneToOneField("appeals.Appeal", primary_key=True, on_delete=models.CASCADE, related_name="+")
    appeal_key = models.JSONField(default=dict)
    question_keys = models.JSONField(default=list)
    week_key = models.JSONField(default=dict)
    # The appeal's satisfaction request, {} while it has none.
    satisfaction_key = models.JSONField(default=dict)

    def __str__(self) -> str:
        return str(self.appeal_id)


class ReportAccess(models.Model):
    """No rows: carries the permission to read the reports (given to the heads)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", _("Видит отчёты и тенденции по обращениям"))]

    def __str__(self) -> str:
        return "reports"


class PublicReview(models.Model):
    """The quarterly «обзор обращений граждан»: figures without personal data and the head's text."""

    year = models.PositiveSmallIntegerField(_("год"))
    quarter = models.PositiveSmallIntegerField(_("квартал"), choices=[(q, f"{q}") for q in (1, 2, 3, 4)])
    text = models.TextField(_("текст руководителя"), blank=True,
                           help_text=_("Кратко: что изменилось, почему, что сделано. Без имён и адресов."))
    # The figures as published: a published review does not change afterwards.
    figures = models.JSONField(_("показатели"), default=dict, blank=True, editable=False)
    published_at = models.DateTimeField(_("опубликован"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("опубликовал"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", editable=False,
    )

    class Meta:
        verbose_name = _("обзор обращений граждан")
        verbose_name_plural = _("обзоры обращений граждан")
        ordering = ["-year", "-quarter"]
        constraints = [models.UniqueConstraint(fields=["year", "quarter"], name="public_review_quarter_uniq")]
        permissions = [("publish_publicreview", _("Публикует обзор обращений граждан"))]

    def __str__(self) -> str:
        return f"{self.quarter} квартал {self.year} г."

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
