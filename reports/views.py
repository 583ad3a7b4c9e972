"""The reports' admin pages: wrapped by admin.site.admin_view, open to holders of reports.view_reports."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import render as rendering
from reports import trends
from reports.filters import Filters, ReportFilterForm
from reports.reports import REPORTS, Report, SatisfactionReport

PERMISSION = "reports.view_reports"


def _require(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _filters(request: HttpRequest) -> tuple[ReportFilterForm, Filters]:
    form = ReportFilterForm(request.GET or None, user=request.user)
    return form, Filters.from_form(form)


def _subtitle(filters: Filters, report: type[Report] | None = None) -> str:
    parts = []
    if report is None or report.uses_period:
        parts.append(_("Период: %(start)s — %(end)s") % {"start": f"{filters.start:%m.%Y}",
                                                          "end": f"{filters.end:%m.%Y}"})
    parts.append(_("сформирован %(now)s") % {"now": f"{timezone.localtime():%d.%m.%Y %H:%M}"})
    return "; ".join(parts)


def index(request: HttpRequest) -> HttpResponse:
    _require(request)
    return render(request, "reports/index.html", {
        **admin.site.each_context(request), "title": _("Отчёты и тенденции"), "reports": REPORTS.values(),
    })


def report(request: HttpRequest, slug: str) -> HttpResponse:
    _require(request)
    report_class = REPORTS.get(slug)
    if report_class is None:
        raise Http404
    form, filters = _filters(request)
    kwargs: dict[str, Any] = {}
    if report_class is SatisfactionReport:
        kwargs["group"] = request.GET.get("by", "department")
    table = report_class(request.user, filters, **kwargs).table()
    subtitle = _subtitle(filters, report_class)
    export = request.GET.get("export")
    if export == "csv":
        response = HttpResponse(rendering.to_csv(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{slug}-{filters.start:%Y-%m}.csv"'
        return response
    if export == "xlsx":
        response = HttpResponse(
            rendering.to_xlsx(table, title=str(report_class.title), subtitle=subtitle),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{slug}-{filters.start:%Y-%m}.xlsx"'
        return response
    query = request.GET.copy()
    query.pop("export", None)
    without_group = query.copy()
    without_group.pop("by", None)
    return render(request, "reports/report.html", {
        "query_without_group": without_group.urlencode(),
        **admin.site.each_context(request), "title": report_class.title, "report": report_class,
        "table": table, "form": form, "subtitle": subtitle, "query": query.urlencode(),
        "group": kwargs.get("group"), "groups": SatisfactionReport.GROUPS,
        "extra_fields": [("by", kwargs["group"])] if "group" in kwargs else [],
    })


def trends_page(request: HttpRequest) -> HttpResponse:
    _require(request)
    form, filters = _filters(request)
    step = "week" if request.GET.get("step") == "week" else "month"
    charts = trends.charts(request.user, filters, weekly=step == "week")
    query = request.GET.copy()
    query.pop("step", None)
    return render(request, "reports/trends.html", {
        **admin.site.each_context(request), "title": _("Тенденции"), "charts": charts, "form": form,
        "subtitle": _subtitle(filters), "step": step, "step_fields": [("step", step)],
        "base_query": query.urlencode(),
    })
