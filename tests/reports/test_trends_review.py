"""The trends page (charts with their tables) and the quarterly public review (no personal data in HTML or PDF)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from pypdf import PdfReader

from reports import review, trends
from reports.filters import Filters
from reports.models import PublicReview

pytestmark = pytest.mark.django_db

FEB_MAR = Filters(dt.date(2026, 2, 1), dt.date(2026, 3, 1))


def test_the_topics_chart_counts_per_month_and_per_week(world):
    monthly = trends.topics_over_time(world.roles.head, FEB_MAR, weekly=False)
    assert monthly.labels == ["02.2026", "03.2026"]
    series = dict(monthly.series)
    t1_label = next(label for label in series if label.startswith(world.t1.code))
    assert series[t1_label] == [6.0, 0.0]  # a1, a2, a4, a5, a7, a8
    weekly = trends.topics_over_time(world.roles.head, FEB_MAR, weekly=True)
    assert weekly.labels[-1] == "30.03.2026"
    assert weekly.labels[0] == "26.01.2026" and sum(dict(weekly.series)[t1_label]) == 6.0
    assert dict(weekly.series)[t1_label][1] == 6.0  # the week of 2 February


def test_rising_topics_against_the_previous_period_and_last_year(world):
    chart = trends.rising_topics(world.roles.head, Filters(dt.date(2026, 2, 1), dt.date(2026, 2, 1)))
    assert chart.labels[0].startswith(world.t1.code)
    assert chart.table.rows[0][1].value == 6 and chart.table.rows[0][2].value == 0


def test_shares_of_repeated_late_and_unresolved(world):
    chart = trends.shares(world.roles.head, FEB_MAR)
    series = dict(chart.series)
    assert series["повторные, %"][0] == 25.0  # a4 repeated, a5 multiple of 8
    assert series["ответ с нарушением срока, %"][0] == round(100 / 3, 1)  # a2 of a1, a2, a7
    # By the month asked: a1 «да» in February, a2 «нет» in March.
    assert series["вопрос не решён (по оценке гражданина), %"] == [0.0, 100.0]


def test_the_trends_page_has_each_chart_with_its_table_and_text(world, client):
    client.force_login(world.roles.head)
    response = client.get(reverse("reports:trends"), {"period_from": "2026-02", "period_to": "2026-03"})
    html = response.content.decode()
    for slug in ("topics", "rising", "causes", "shares"):
        assert f'id="chart-{slug}"' in html and f'id="table-{slug}"' in html and f'id="{slug}-data"' in html
        assert f'id="chart-{slug}-summary"' in html
    assert "/static/vendor/chartjs/chart.umd.min.js" in html
    assert "<script>" not in html  # no inline script: the CSP allows only 'self'
    data = json.loads(html.split('id="topics-data" type="application/json">', 1)[1].split("</script>", 1)[0])
    assert data["labels"] == ["02.2026", "03.2026"]
    weekly = client.get(reverse("reports:trends"), {"period_from": "2026-02", "period_to": "2026-03", "step": "week"})
    assert "по неделям" in weekly.content.decode() and "26.01.2026" in weekly.content.decode()


# The institution itself sits on Остоженка: the citizen's flat tells their address apart.
PERSONAL = ("Иванова", "Мария", "Петровна", "д. 1, кв. 2", "9161234567", "maria.ivanova", "бюджетное место",
            "ОГ-", "Смирнова", "Кузнецов", "Начальников")


def published(world) -> PublicReview:
    item = PublicReview.objects.create(year=2026, quarter=1, text="Число обращений о переводе выросло.")
    return review.publish(item, world.roles.administrator)


def test_the_review_counts_the_quarter_against_the_same_quarter_last_year(world):
    item = published(world)
    assert item.figures["total"] == [8, 0]
    kinds = {label: (now, before) for label, now, before in item.figures["sections"]["kind"]}
    assert kinds["Повторное"] == (1, 0) and kinds["Многократное"] == (1, 0)
    results = {label: now for label, now, _b in item.figures["sections"]["result"]}
    assert results["поддержано"] == 1 and results["направлено по компетенции"] == 1


def test_the_public_review_page_and_pdf_hold_no_personal_data(world, client):
    item = published(world)
    numbers = [a.number for a in world.appeals.values()]
    page = client.get(reverse("review:detail", args=[item.year, item.quarter]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Число обращений о переводе выросло." in html
    pdf = client.get(reverse("review:pdf", args=[item.year, item.quarter]))
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Обзор обращений граждан" in text and "8" in text
    for body in (html, text):
        for marker in (*PERSONAL, *numbers):
            assert marker not in body, marker
    assert client.get(reverse("review:list")).status_code == 200


def test_an_unpublished_review_is_not_public(world, client):
    PublicReview.objects.create(year=2026, quarter=2, text="Черновик.")
    assert client.get(reverse("review:detail", args=[2026, 2])).status_code == 404
    assert client.get(reverse("review:pdf", args=[2026, 2])).status_code == 404


def test_only_the_administrator_publishes(world, client):
    item = PublicReview.objects.create(year=2026, quarter=1, text="Текст.")
    url = reverse("admin:reports_publicreview_changelist")
    client.force_login(world.roles.head)
    client.post(url, {"action": "publish_selected", "_selected_action": [item.pk]})
    item.refresh_from_db()
    assert not item.is_published
    client.force_login(world.roles.administrator)
    client.post(url, {"action": "publish_selected", "_selected_action": [item.pk]})
    item.refresh_from_db()
    assert item.is_published and item.published_by == world.roles.administrator


def test_the_portal_links_the_published_reviews(world, client):
    item = published(world)
    page = client.get(reverse("review:list")).content.decode()
    assert reverse("review:detail", args=[item.year, item.quarter]) in page
    assert reverse("review:list") in client.get(reverse("appeals:status")).content.decode()
