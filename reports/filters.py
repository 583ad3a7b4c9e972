"""The reports' filters (period, department, topic, channel), the user's scope, and links to the appeals list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.models import Channel, Department
from appeals.services import access


def add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


class MonthField(forms.DateField):
    """«2026-03» from <input type="month">: the first day of that month."""

    input_formats = ["%Y-%m"]
    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class ReportFilterForm(forms.Form):
    period_from = MonthField(label=_("с месяца"), required=False)
    period_to = MonthField(label=_("по месяц"), required=False)
    department = forms.ModelChoiceField(Department.objects.none(), label=_("подразделение"), required=False,
                                        empty_label=_("все"))
    topic = forms.CharField(label=_("код тематики (начало)"), required=False, max_length=19,
                            help_text=_("Например, 0003.0008 — раздел классификатора."))
    channel = forms.ChoiceField(label=_("канал"), required=False, choices=[("", _("все")), *Channel.choices])

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = Department.objects.all()
        if not access.sees_all(user):
            departments = departments.filter(members=user)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and start > end:
            self.add_error("period_to", _("Конец периода раньше его начала."))
        return data


@dataclass(frozen=True)
class Filters:
    start: dt.date  # first day of the first month
    end: dt.date  # first day of the last month (inclusive)
    department_id: int | None = None
    topic: str = ""
    channel: str = ""

    @classmethod
    def from_form(cls, form: ReportFilterForm, today: dt.date | None = None) -> Filters:
        today = today or timezone.localdate()
        data = form.cleaned_data if form.is_valid() else {}
        end = data.get("period_to") or today.replace(day=1)
        start = data.get("period_from") or end.replace(month=1)
        department = data.get("department")
        return cls(start=start, end=end, department_id=department.pk if department else None,
                   topic=(data.get("topic") or "").strip(), channel=data.get("channel") or "")

    @property
    def months(self) -> list[dt.date]:
        months, month = [], self.start
        while month <= self.end:
            months.append(month)
            month = add_months(month, 1)
        return months

    def shifted(self, months: int) -> Filters:
        return Filters(add_months(self.start, months), add_months(self.end, months),
                       self.department_id, self.topic, self.channel)

    def tally_q(self, topic_field: str = "topic_code", *, months: bool = True) -> Q:
        q = Q(month__gte=self.start, month__lte=self.end) if months else Q()
        if self.department_id:
            q &= Q(department_id=self.department_id)
        if self.topic:
            q &= Q(**{f"{topic_field}__startswith": self.topic})
        if self.channel:
            q &= Q(channel=self.channel)
        return q

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes: local midnight of its first day, and of the day after it."""
        zone = ZoneInfo(settings.TIME_ZONE)
        start = dt.datetime.combine(self.start, dt.time(), zone)
        end = dt.datetime.combine(add_months(self.end, 1), dt.time(), zone)
        return start, end

    def appeal_q(self, via: str = "") -> Q:
        """The same filters on the appeals themselves (the bare aggregate and the live reports)."""
        prefix = f"{via}__" if via else ""
        start, end = self.bounds()
        q = Q(**{f"{prefix}received_at__gte": start, f"{prefix}received_at__lt": end})
        if self.department_id:
            q &= Q(**{f"{prefix}department_id": self.department_id})
        if self.topic:
            q &= Q(**{f"{prefix}topic_code__startswith": self.topic})
        if self.channel:
            q &= Q(**{f"{prefix}channel": self.channel})
        return q

    def link_params(self, *, period: bool = True, topic_lookup: str = "topic_code__startswith") -> dict[str, str]:
        params: dict[str, str] = {}
        if period:
            start, end = self.bounds()
            params["received_at__gte"] = start.isoformat()
            params["received_at__lt"] = end.isoformat()
        if self.department_id:
            params["department"] = str(self.department_id)
        if self.topic:
            params[topic_lookup] = self.topic
        if self.channel:
            params["channel__exact"] = self.channel
        return params

    def query_string(self) -> str:
        values = {"period_from": f"{self.start:%Y-%m}", "period_to": f"{self.end:%Y-%m}",
                  "department": self.department_id or "", "topic": self.topic, "channel": self.channel}
        return urlencode({k: v for k, v in values.items() if v})


def scoped(user: Any, queryset: QuerySet, via: str = "") -> QuerySet:
    """Narrow tallies (via="") or rows of appeals (via="appeal") to the user's scope (access.appeal_condition).

    The tallies carry department_id and executor_id as the appeals do, so
    the same condition applies to them unchanged.
    """
    condition = access.appeal_condition(user, via)
    return queryset if condition is None else queryset.filter(condition)


def appeals_url(params: dict[str, Any]) -> str:
    """The admin list of appeals filtered by params (the admin narrows it to the user's scope itself)."""
    clean = {k: str(v) for k, v in params.items() if v is not None and v != ""}
    return f"{reverse('admin:appeals_appeal_changelist')}?{urlencode(sorted(clean.items()))}"
