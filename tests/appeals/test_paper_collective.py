"""Issue 10 item 5: appeals redirected here by another body, paper details, collective appeals."""

from __future__ import annotations

import importlib
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from appeals import deadlines
from appeals.models import AccessLogEntry, Appeal, AppealEvent, CoAuthor
from appeals.services import handling, terms
from classifiers.models import Topic
from letters.defaults import SHIPPED
from letters.services import letter_context, render_letter
from reports.filters import Filters
from reports.reports import KindsChannelsReport
from tests import roles as role_fixtures
from tests.factories import form_data
from tests.migrations import back_to_the_latest_state, migrate  # noqa: F401 (the fixture)

roles = role_fixtures.roles  # the fixture
ADD_URL = reverse("admin:appeals_appeal_add")
FORM_URL = reverse("appeals:form")
MINISTRY_GENITIVE = "Министерства науки и высшего образования Российской Федерации"


def ministry():
    return role_fixtures.external_body(name_genitive=MINISTRY_GENITIVE)


def entry_data(**overrides):
    topic = Topic.objects.offered().first()
    data = {
        "channel": "post", "received_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "last_name": "Петров", "first_name": "Иван", "patronymic": "", "address": "г. Тула, ул. Ленина, д. 1",
        "postal_index": "300000", "phone": "", "email": "", "reply_method": "post", "topic": topic.pk,
        "kind": "primary", "text": "Прошу выдать справку.",
        "coauthors-TOTAL_FORMS": "1", "coauthors-INITIAL_FORMS": "0",
        "coauthors-MIN_NUM_FORMS": "0", "coauthors-MAX_NUM_FORMS": "50",
    }
    return {**data, **overrides}


def redirected(body, **overrides):
    letter = {"channel": "redirected", "source_body": body.pk, "source_number": "МН-12/345",
              "source_date": (timezone.localdate() - timedelta(days=20)).isoformat()}
    return entry_data(**{**letter, **overrides})


def coauthor(index: int, **fields: str) -> dict[str, str]:
    row = {"last_name": "Сидорова", "first_name": "Анна", "patronymic": "Павловна",
           "address": "г. Тула, ул. Мира, д. 5, кв. 7", "postal_index": "300001", **fields}
    return {f"coauthors-{index}-{name}": value for name, value in row.items()}


# --- redirected from another body: the entry, the terms, the letters ----------------------------
def test_the_entry_page_offers_the_channel_the_body_and_the_sheets(client, roles):
    ministry()
    client.force_login(roles.registrar)
    html = client.get(ADD_URL).content.decode()
    for text in ("переадресовано из другого органа", "Орган, переадресовавший обращение",
                 "Исходящий номер сопроводительного письма", "Листов обращения", "Приложений",
                 "Листов приложений", "Коллективное обращение", "Добавить соавтора",
                 "Министерство науки и высшего образования Российской Федерации"):
        assert text in html, text


def test_a_redirected_appeal_keeps_the_body_and_its_letter_and_the_terms_count_from_here(client, roles):
    body = ministry()
    client.force_login(roles.registrar)
    response = client.post(ADD_URL, redirected(body, sheets="3", enclosures="2", enclosure_sheets="5"))
    assert response.status_code == 302, response.content.decode()[:3000]
    appeal = Appeal.objects.get(last_name="Петров")
    assert (appeal.channel, appeal.source_body, appeal.source_number) == ("redirected", body, "МН-12/345")
    assert appeal.source_date == timezone.localdate() - timedelta(days=20)
    assert (appeal.sheets, appeal.enclosures, appeal.enclosure_sheets) == (3, 2, 5)
    # Art. 8 part 3: the terms count from the receipt and registration here, not from the body's letter.
    calendar, rule = terms.work_calendar(), terms.shift_rule()
    received_here = timezone.localdate(appeal.received_at)
    assert appeal.registration_due == deadlines.compute_due(received_here, deadlines.REGISTRATION, calendar,
                                                            rule).due
    assert appeal.registration_due > appeal.source_date + timedelta(days=3)
    appeal = handling.register_appeal(appeal, roles.registrar)
    registered_here = timezone.localdate(appeal.registered_at)
    assert appeal.answer_due == deadlines.compute_due(registered_here, deadlines.ANSWER, calendar, rule).due
    assert appeal.answer_due > appeal.source_date + timedelta(days=30)
    entered = AppealEvent.objects.get(appeal=appeal, action="appeal.entered")
    assert entered.after["redirected_from"] == appeal.source_citation
    assert (entered.after["sheets"], entered.after["enclosures"], entered.after["enclosure_sheets"]) == (3, 2, 5)
    # The appeal's page shows the citation and the sheets.
    page = client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).content.decode()
    assert "из " + MINISTRY_GENITIVE + " (исх. № МН-12/345 от" in page
    assert "переадресовано" in page and "листов обращения" in page  # the history in words


def test_the_redirected_channel_needs_the_body_and_its_letter_and_only_it_has_them(client, roles):
    body = ministry()
    client.force_login(roles.registrar)
    html = client.post(ADD_URL, entry_data(channel="redirected")).content.decode()
    assert "Выберите орган, переадресовавший обращение." in html
    assert "Укажите исходящий номер сопроводительного письма органа." in html
    assert "Укажите дату сопроводительного письма органа." in html
    assert "Прошу выдать справку." in html  # nothing typed is lost
    html = client.post(ADD_URL, entry_data(source_body=body.pk)).content.decode()
    assert "только для канала «переадресовано из другого органа»" in html
    late = (timezone.localdate() + timedelta(days=1)).isoformat()
    html = client.post(ADD_URL, redirected(body, source_date=late)).content.decode()
    assert "Дата письма не может быть в будущем." in html
    assert not Appeal.objects.exists()


def test_the_service_refuses_a_redirected_entry_without_the_body(roles):
    with pytest.raises(handling.AppealError, match="Укажите орган"):
        handling.enter_appeal(roles.registrar, channel="redirected", received_at=timezone.now(),
                              topic=Topic.objects.offered().first(),
                              data={"last_name": "Петров", "first_name": "Иван", "address": "г. Тула",
                                    "postal_index": "300000", "reply_method": "post", "kind": "primary",
                                    "text": "Текст"})


def _redirected_appeal(roles, **fields):
    body = ministry()
    return roles.appeal("registered", channel="redirected", source_body=body, source_number="МН-12/345",
                        source_date=date(2026, 11, 2), **fields)


def test_the_letters_cite_the_body_and_its_letter(roles):
    appeal = _redirected_appeal(roles)
    citation = f"поступившее из {MINISTRY_GENITIVE} (исх. № МН-12/345 от 2 ноября 2026 г.)"
    answer = render_letter("answer", letter_context(appeal, {"answer_text": "Сообщаем."})).body
    # Inside the sentence the participle is closed by a comma.
    assert f"№ {appeal.number}, {citation}, по вопросу" in answer
    art11 = render_letter("art11_part4_1", letter_context(appeal)).body
    assert f"№ {appeal.number}, {citation}. Текст обращения" in art11
    returned = render_letter("complaint_returned", letter_context(appeal, {"reason": "Приёмной комиссии"})).body
    assert f"поступившая из {MINISTRY_GENITIVE}" in returned
    # Another appeal's letter reads as before.
    plain = roles.appeal("registered")
    text = render_letter("answer", letter_context(plain, {"answer_text": "Сообщаем."})).body
    assert "поступивш" not in text and f"№ {plain.number} по вопросу" in text


def test_a_body_without_its_genitive_name_is_cited_by_its_name(roles):
    appeal = _redirected_appeal(roles)
    appeal.source_body.name_genitive = ""
    assert appeal.source_citation == ("из органа (организации) «Министерство науки и высшего образования Российской "
                                      "Федерации» (исх. № МН-12/345 от 2 ноября 2026 г.)")


migration = importlib.import_module("letters.migrations.0008_redirected_source_citation")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("back_to_the_latest_state")
class TestTheCitationMigration:
    def test_it_adds_the_citation_to_stored_texts_edited_or_not_and_goes_back(self):
        old = migrate(("letters", "0007_postal_mail"))
        Template = old.get_model("letters", "LetterTemplate")
        for kind, (_subject, body) in SHIPPED.items():
            Template.objects.filter(kind=kind).update(body=migration.uncite(body))
        edited = migration.uncite(SHIPPED["art11_part3"][1]) + "\n\nДописано администратором."
        Template.objects.filter(kind="art11_part3").update(body=edited)

        new = migrate(("letters", "0008_redirected_source_citation"))
        bodies = dict(new.get_model("letters", "LetterTemplate").objects.values_list("kind", "body"))
        for kind in set(SHIPPED) - {"art11_part3"}:
            assert bodies[kind] == SHIPPED[kind][1], kind
        assert bodies["art11_part3"] == SHIPPED["art11_part3"][1] + "\n\nДописано администратором."

        back = migrate(("letters", "0007_postal_mail"))
        bodies = dict(back.get_model("letters", "LetterTemplate").objects.values_list("kind", "body"))
        assert bodies["answer"] == migration.uncite(SHIPPED["answer"][1])
        assert "appeal_source" not in "".join(bodies.values())


# --- collective appeals at entry -----------------------------------------------------------------
def test_a_collective_paper_appeal_keeps_its_coauthors_and_the_organisation(client, roles):
    client.force_login(roles.registrar)
    data = {**entry_data(organisation="  Совет   жителей  ", **{"coauthors-TOTAL_FORMS": "3"}),
            **coauthor(0), **coauthor(2, last_name="Кузнецов", first_name="Олег", patronymic="")}
    response = client.post(ADD_URL, data)  # row 1 is left blank: nobody
    assert response.status_code == 302, response.content.decode()[:3000]
    appeal = Appeal.objects.get(last_name="Петров")
    assert appeal.is_collective and appeal.organisation == "Совет жителей"
    assert [c.full_name for c in appeal.coauthors.all()] == ["Сидорова Анна Павловна", "Кузнецов Олег"]
    entered = AppealEvent.objects.get(appeal=appeal, action="appeal.entered")
    assert entered.after["coauthors"] == 2 and "Сидорова" not in str(entered.after)  # a count, not names


def test_a_coauthor_needs_a_name_and_an_address(client, roles):
    client.force_login(roles.registrar)
    data = {**entry_data(), **coauthor(0, first_name="", address="", postal_index="12")}
    html = client.post(ADD_URL, data).content.decode()
    assert "Укажите имя соавтора." in html and "Укажите почтовый адрес соавтора." in html
    assert "Проверьте данные соавторов" in html
    assert 'value="Сидорова"' in html  # kept
    assert not Appeal.objects.exists()


def test_an_individual_appeal_is_not_collective(client, roles):
    client.force_login(roles.registrar)
    assert client.post(ADD_URL, entry_data()).status_code == 302
    appeal = Appeal.objects.get()
    assert not appeal.is_collective and not appeal.coauthors.exists()


def test_add_a_coauthor_without_javascript_gives_the_page_back_with_one_more_row(client, roles):
    client.force_login(roles.registrar)
    data = {**entry_data(), **coauthor(0), "add_coauthor": "1"}
    html = client.post(ADD_URL, data).content.decode()
    assert not Appeal.objects.exists()
    assert 'value="Сидорова"' in html and 'value="Петров"' in html
    assert 'name="coauthors-1-last_name"' in html and 'name="coauthors-TOTAL_FORMS" value="2"' in html
    assert "errornote" not in html


def test_coauthors_are_seen_on_the_appeals_page_in_scope_and_the_view_is_logged(client, roles):
    appeal = roles.appeal("in_work")
    CoAuthor.objects.create(appeal=appeal, last_name="Сидорова", first_name="Анна", address="г. Тула, ул. Мира, 5")
    url = reverse("admin:appeals_appeal_change", args=[appeal.pk])
    client.force_login(roles.executor_a)
    assert "Сидорова Анна, г. Тула, ул. Мира, 5" in client.get(url).content.decode()
    assert AccessLogEntry.objects.filter(appeal=appeal, user=roles.executor_a, action="view").exists()
    client.force_login(roles.executor_b)  # another department: not in scope
    response = client.get(url)
    assert response.status_code in (302, 403, 404)
    assert "Сидорова" not in response.content.decode()


# --- collective appeals on the public form ------------------------------------------------------
def public_data(**overrides):
    return {**form_data(), "coauthors-TOTAL_FORMS": "1", "coauthors-INITIAL_FORMS": "0",
            "coauthors-MIN_NUM_FORMS": "0", "coauthors-MAX_NUM_FORMS": "50", **overrides}


@pytest.mark.django_db
def test_the_public_form_offers_a_collective_appeal(client):
    html = client.get(FORM_URL).content.decode()
    assert "Коллективное обращение" in html and "Добавить соавтора" in html
    assert 'name="coauthors-0-last_name"' in html and 'id="coauthor-empty-row"' in html
    assert "js/coauthors.js" in html and "Организация или объединение граждан" in html


@pytest.mark.django_db
def test_a_collective_appeal_from_the_site_carries_its_coauthors_to_the_appeal(client):
    data = public_data(organisation="Совет обучающихся", **{"coauthors-TOTAL_FORMS": "2"},
                       **coauthor(0), **coauthor(1, last_name="Кузнецов", first_name="Олег"))
    response = client.post(FORM_URL, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    code = re.search(r"код: (\d{6})", mail.outbox[-1].body).group(1)
    client.post(reverse("appeals:check_email"), {"code": code})
    appeal = Appeal.objects.get()
    assert appeal.is_collective and appeal.organisation == "Совет обучающихся"
    assert [c.last_name for c in appeal.coauthors.all()] == ["Сидорова", "Кузнецов"]
    assert appeal.draft.data == {}  # the draft keeps no personal data once received
    received = AppealEvent.objects.get(appeal=appeal, action="appeal.received")
    assert received.after["coauthors"] == 2


@pytest.mark.django_db
def test_a_bad_coauthor_row_keeps_the_form_with_its_errors(client):
    html = client.post(FORM_URL, public_data(**coauthor(0, address=""))).content.decode()
    assert "Укажите почтовый адрес соавтора." in html and "Соавтор 1: Адрес соавтора" in html
    assert 'value="Сидорова"' in html and "<details class=\"coauthors mb-4\" id=\"coauthors\" open" in html
    assert not Appeal.objects.exists()


@pytest.mark.django_db
def test_add_a_coauthor_on_the_public_form_without_javascript(client):
    response = client.post(FORM_URL, public_data(**coauthor(0), add_coauthor="1", captcha_1=""))
    html = response.content.decode()
    assert response.status_code == 200 and not mail.outbox
    assert 'value="Сидорова"' in html and 'value="Иванова"' in html
    assert 'name="coauthors-1-last_name"' in html
    assert "исправьте ошибки" not in html  # no errors shown for a row being added


# --- the reports count them ------------------------------------------------------------------------
def _enter(roles, channel="post", coauthors=(), **paper):
    data = {"last_name": "Петров", "first_name": "Иван", "address": "г. Тула", "postal_index": "300000",
            "reply_method": "post", "kind": "primary", "text": "Текст"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return handling.enter_appeal(roles.registrar, channel=channel, received_at=timezone.now(),
                                     topic=Topic.objects.offered().first(), data=data,
                                     paper={**paper, "coauthors": list(coauthors)}).appeal


def test_the_kinds_report_counts_collective_and_redirected_appeals(client, roles):
    row = {"last_name": "Сидорова", "first_name": "Анна", "address": "г. Тула"}
    collective = _enter(roles, coauthors=[row])
    redirected_here = _enter(roles, channel="redirected", source_body=ministry(), source_number="1",
                             source_date=timezone.localdate())
    _enter(roles)
    month = timezone.localdate().replace(day=1)
    table = KindsChannelsReport(roles.head, Filters(month, month)).table()
    header = table.header
    cells = dict(zip(header, table.rows[0], strict=True))
    assert cells["всего"].value == 3
    assert cells["коллективные"].value == 1
    assert cells["переадресовано из другого органа"].value == 1 and cells["почта"].value == 2
    client.force_login(roles.head)
    for cell, appeal in ((cells["коллективные"], collective), (cells["переадресовано из другого органа"],
                                                                redirected_here)):
        response = client.get(cell.url)
        assert response.status_code == 200, cell.url
        assert [a.number for a in response.context["cl"].result_list] == [appeal.number]


@pytest.mark.django_db
def test_going_back_to_the_form_before_confirming_keeps_the_coauthors(client):
    assert client.post(FORM_URL, public_data(**coauthor(0), organisation="Совет")).status_code == 302
    html = client.get(FORM_URL).content.decode()  # «Изменить обращение или адрес почты»
    assert 'value="Сидорова"' in html and 'value="Совет"' in html
    assert 'name="coauthors-1-last_name"' in html  # and a blank row after it


def test_a_share_stored_before_the_collective_dimension_moves_from_its_own_row(roles):
    from reports.models import AppealShare, AppealTally

    # A collective appeal and an older individual one of the same month, department and state.
    collective = _enter(roles, coauthors=[{"last_name": "Сидорова", "first_name": "Анна", "address": "г. Тула"}])
    older = _enter(roles)
    share = AppealShare.objects.get(appeal_id=older.pk)
    key = dict(share.appeal_key)
    del key["collective"]  # as written before reports 0004
    AppealShare.objects.filter(pk=share.pk).update(appeal_key=key)
    with TestCase.captureOnCommitCallbacks(execute=True):
        handling.register_appeal(older, roles.registrar)
    counts = {(row.status, row.collective): row.count for row in AppealTally.objects.exclude(count=0)}
    assert counts == {("received", True): 1, ("registered", False): 1}
    assert collective.is_collective
