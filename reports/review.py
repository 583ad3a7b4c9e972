"""The quarterly public review: figures by topic, kind, channel and result against the same quarter a year ago.

Only counts and the classifier's own titles leave this module: no name,
address, number, e-mail or text of an appeal is read (the tallies hold none),
so none can reach the public page or its PDF.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from appeals.models import AppealKind, Channel, QuestionResult
from classifiers.models import Topic
from reports.filters import Filters, add_months
from reports.models import AppealTally, PublicReview, QuestionTally


def quarter_filters(year: int, quarter: int) -> Filters:
    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    return Filters(start, add_months(start, 2))


def _counts(model: Any, filters: Filters, field: str) -> dict[str, int]:
    return {r[field]: r["n"] for r in model.objects.filter(filters.tally_q()).values(field)
            .annotate(n=Sum("count")).order_by()}


def figures(year: int, quarter: int) -> dict[str, Any]:
    """The review's tables: [label, this quarter, the same quarter last year] rows per section."""
    now, before = quarter_filters(year, quarter), quarter_filters(year - 1, quarter)
    sections: dict[str, Any] = {}
    topics_now, topics_before = _counts(AppealTally, now, "topic_code"), _counts(AppealTally, before, "topic_code")
    codes = sorted(set(topics_now) | set(topics_before), key=lambda c: (-topics_now.get(c, 0), c))
    titles = dict(Topic.objects.filter(code__in=codes).values_list("code", "title"))
    sections["topic"] = [[f"{c} {titles.get(c, '')}".strip(), topics_now.get(c, 0), topics_before.get(c, 0)]
                         for c in codes]
    for name, field, choices, model in (
            ("kind", "kind", AppealKind.choices, AppealTally), ("channel", "channel", Channel.choices, AppealTally),
            ("result", "result", QuestionResult.choices, QuestionTally)):
        this, last = _counts(model, now, field), _counts(model, before, field)
        sections[name] = [[str(label), this.get(value, 0), last.get(value, 0)] for value, label in choices]
    total_now = sum(topics_now.values())
    total_before = sum(topics_before.values())
    return {"year": year, "quarter": quarter, "total": [total_now, total_before], "sections": sections}


SECTION_TITLES = {
    "topic": "По тематикам", "kind": "По видам обращений", "channel": "По каналам поступления",
    "result": "По результатам рассмотрения вопросов",
}


def publish(review: PublicReview, user: Any) -> PublicReview:
    """Freeze the figures as published now and mark the review published."""
    with transaction.atomic():
        review = PublicReview.objects.select_for_update().get(pk=review.pk)
        review.figures = figures(review.year, review.quarter)
        review.published_at, review.published_by = timezone.now(), user
        review.save(update_fields=["figures", "published_at", "published_by"])
    return review


def public_url(review: PublicReview) -> str:
    return reverse("review:detail", kwargs={"year": review.year, "quarter": review.quarter})


def review_pdf(review: PublicReview) -> bytes:
    """The review as a PDF in the shipped PT Serif, as letters.pdf sets its letters."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    from letters.pdf import FONT, FONT_DIR

    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 15)
    pdf.set_auto_page_break(True, 20)
    pdf.add_font(FONT, "", str(FONT_DIR / "PTSerif-Regular.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "PTSerif-Bold.ttf"))
    pdf.add_page()
    data = review.figures
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 7, f"Обзор обращений граждан за {review.quarter} квартал {review.year} года",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 11)
    total = data.get("total", [0, 0])
    pdf.multi_cell(0, 6, f"Поступило обращений: {total[0]} (в том же квартале {review.year - 1} года — {total[1]}).",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if review.text:
        pdf.ln(2)
        pdf.multi_cell(0, 6, review.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for key, title in SECTION_TITLES.items():
        rows = data.get("sections", {}).get(key, [])
        pdf.ln(3)
        pdf.set_font(FONT, "B", 12)
        pdf.cell(0, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 10)
        with pdf.table(col_widths=(120, 27, 28), text_align=("LEFT", "RIGHT", "RIGHT")) as table:
            table.row(["", f"{review.quarter} кв. {review.year}", f"{review.quarter} кв. {review.year - 1}"])
            for label, this, last in rows:
                table.row([str(label), str(this), str(last)])
    return bytes(pdf.output())
