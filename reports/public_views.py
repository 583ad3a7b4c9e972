"""The published reviews on the portal: open to anyone, figures only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from reports import review as reviews
from reports.models import PublicReview


def _published():
    return PublicReview.objects.filter(published_at__isnull=False)


def review_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/public_list.html", {"reviews": _published()})


def review_detail(request: HttpRequest, year: int, quarter: int) -> HttpResponse:
    item = get_object_or_404(_published(), year=year, quarter=quarter)
    sections = [(reviews.SECTION_TITLES[key], item.figures.get("sections", {}).get(key, []))
                for key in reviews.SECTION_TITLES]
    return render(request, "reports/public_review.html", {"review": item, "sections": sections,
                                                          "total": item.figures.get("total", [0, 0])})


def review_pdf(request: HttpRequest, year: int, quarter: int) -> HttpResponse:
    item = get_object_or_404(_published(), year=year, quarter=quarter)
    response = HttpResponse(reviews.review_pdf(item), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="obzor-{year}-q{quarter}.pdf"'
    return response
