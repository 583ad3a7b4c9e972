"""Art. 6 of 59-FZ in the admin: each role sees only the appeals it may, by every URL."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.base import ContentFile
from django.urls import reverse

from appeals.models import AccessLogEntry, Appeal, Attachment
from appeals.services.handling import STEPS
from appeals.views.staff import STEP_ACTIONS
from tests import roles as role_fixtures
from tests.factories import make_pdf
from tests.roles import Roles

pytestmark = pytest.mark.django_db
roles = role_fixtures.roles  # the fixture

LIST_URL = reverse("admin:appeals_appeal_changelist")


def attach(appeal: Appeal) -> Attachment:
    attachment = Attachment(appeal=appeal, original_name="скан.pdf", content_type="application/pdf",
                            size=100, sha256="0" * 64)
    attachment.file.save("scan.pdf", ContentFile(make_pdf()), save=False)
    attachment.save()
    return attachment


@pytest.fixture
def appeals(roles: Roles) -> dict[str, Appeal]:
    return {
        "received": roles.appeal("received", last_name="Новикова"),
        "a": roles.appeal("in_work", last_name="Алексеева"),
        "b": roles.appeal("in_work", department=roles.department_b, last_name="Борисова"),
    }


def listed(client, user) -> set[str]:
    client.force_login(user)
    response = client.get(LIST_URL)
    if response.status_code != 200:
        return set()
    return {number for number in Appeal.objects.values_list("number", flat=True)
            if number in response.content.decode()}


@pytest.mark.parametrize(("role", "sees"), [
    ("registrar", {"received", "a", "b"}),
    ("head", {"received", "a", "b"}),
    ("executor_a", {"a"}),
    ("executor_b", {"b"}),
    ("clerk", set()),
    ("administrator", set()),
    ("outsider", set()),
])
def test_each_role_sees_its_rows(client, roles, appeals, role, sees):
    expected = {appeals[key].number for key in sees}
    assert listed(client, getattr(roles, role)) == expected


def test_outsider_is_refused_the_list(client, roles, appeals):
    client.force_login(roles.outsider)
    assert client.get(LIST_URL).status_code == 403


def test_executor_b_finds_nothing_of_department_a_by_search(client, roles, appeals):
    client.force_login(roles.executor_b)
    html = client.get(LIST_URL, {"q": "Алексеева"}).content.decode()
    assert appeals["a"].number not in html


def test_executor_b_gets_404_for_every_url_of_department_a(client, roles, appeals):
    appeal = appeals["a"]
    attachment = attach(appeal)
    client.force_login(roles.executor_b)
    urls = [
        reverse("admin:appeals_appeal_change", args=[appeal.pk]),
        reverse("admin:appeals_appeal_history", args=[appeal.pk]),
        reverse("admin:appeals_appeal_attachment", args=[appeal.pk, attachment.pk]),
        reverse("admin:appeals_appeal_answer_pdf", args=[appeal.pk]),
        *(reverse("admin:appeals_appeal_step", args=[appeal.pk, code]) for code in STEP_ACTIONS),
    ]
    for url in urls:
        assert client.get(url).status_code in {403, 404}, url
        assert client.post(url, {"comment": "x", "text": "x"}).status_code in {403, 404}, url
    assert not AccessLogEntry.objects.filter(appeal=appeal).exists()
    assert appeal.events.count() == Appeal.objects.get(pk=appeal.pk).events.count()


def test_executor_b_cannot_act_on_department_a_by_bulk_action(client, roles, appeals):
    """A bulk action narrows the ids to the user's queryset: the other department's appeal is not touched."""
    client.force_login(roles.registrar)
    received = appeals["received"]
    client.force_login(roles.executor_b)
    before = received.events.count()
    client.post(LIST_URL, {"action": "register_selected", ACTION_CHECKBOX_NAME: [received.pk, appeals["a"].pk]})
    received.refresh_from_db()
    assert received.status == Appeal.Status.RECEIVED and received.events.count() == before


def test_every_service_step_has_a_page():
    assert {step.code for step in STEPS} <= set(STEP_ACTIONS)


def test_the_outsider_sees_no_appeal_page(client, roles, appeals):
    client.force_login(roles.outsider)
    response = client.get(reverse("admin:appeals_appeal_change", args=[appeals["a"].pk]))
    assert response.status_code in {403, 404}
