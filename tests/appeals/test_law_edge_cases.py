"""The law's edge cases of 59-FZ (issue 8, items 10-14): on the service and on the step page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from appeals.models import Appeal, DocumentRequest
from appeals.services import handling
from appeals.services.intake import AppealError
from classifiers.models import ExternalBody
from outbox.models import OutgoingMessage
from tests import roles as role_fixtures
from tests.roles import external_body

pytestmark = pytest.mark.django_db
roles = role_fixtures.roles  # the fixture
Status = Appeal.Status


def step_url(appeal: Appeal, code: str) -> str:
    return reverse("admin:appeals_appeal_step", args=[appeal.pk, code])


# --- item 14: no documents request to courts, inquiry and investigation bodies ---------------
BARRED = [ExternalBody.Kind.COURT, ExternalBody.Kind.INQUIRY, ExternalBody.Kind.INVESTIGATION]


@pytest.mark.parametrize("kind", BARRED)
def test_documents_are_not_requested_from_a_court_or_an_inquiry_or_investigation_body(roles, kind):
    appeal = roles.appeal("in_work")
    body = external_body(f"Орган вида {kind}", kind=kind)
    with pytest.raises(AppealError, match="п. 2 ч. 1 ст. 10"):
        handling.request_documents(appeal, roles.executor_a, body=body, text="Копия решения")
    assert not DocumentRequest.objects.filter(appeal=appeal).exists()
    assert not OutgoingMessage.objects.filter(appeal=appeal, kind="letters.documents_request").exists()
    assert "appeal.documents_requested" not in appeal.events.values_list("action", flat=True)


def test_documents_are_requested_from_any_other_body(roles):
    appeal = roles.appeal("in_work")
    body = external_body()
    assert body.kind == ExternalBody.Kind.OTHER
    handling.request_documents(appeal, roles.executor_a, body=body, text="Копия приказа")
    assert DocumentRequest.objects.filter(appeal=appeal, body=body).exists()


def test_the_documents_request_page_does_not_offer_courts_nor_inquiry_or_investigation(client, roles):
    appeal = roles.appeal("in_work")
    ministry = external_body()
    court = external_body("Хамовнический районный суд г. Москвы", kind=ExternalBody.Kind.COURT)
    inquiry = external_body("ОМВД России по району Хамовники", kind=ExternalBody.Kind.INQUIRY)
    investigation = external_body("ГСУ СК России по г. Москве", kind=ExternalBody.Kind.INVESTIGATION)
    client.force_login(roles.executor_a)
    html = client.get(step_url(appeal, "request_documents")).content.decode()
    assert ministry.name in html
    for body in (court, inquiry, investigation):
        assert body.name not in html
    response = client.post(step_url(appeal, "request_documents"), {"body": court.pk, "text": "копия решения"})
    assert response.status_code == 200
    assert "документы не запрашиваются" in response.content.decode()
    assert "копия решения" in response.content.decode()  # what was typed is kept
    assert not DocumentRequest.objects.filter(appeal=appeal).exists()


def test_the_kind_of_a_body_is_edited_in_the_admin(admin_client):
    body = external_body()
    url = reverse("admin:classifiers_externalbody_change", args=[body.pk])
    html = admin_client.get(url).content.decode()
    assert 'name="kind"' in html and "орган предварительного следствия" in html
