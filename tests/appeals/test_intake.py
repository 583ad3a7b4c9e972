"""The citizen's journey through Django's test client: form, e-mail proof, receipt."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from appeals import services
from appeals.models import Appeal, Attachment, Draft
from outbox.models import OutgoingMessage
from tests.factories import form_data, make_jpeg, make_pdf, upload

pytestmark = pytest.mark.django_db

FORM_URL = reverse("appeals:form")


def confirmation_link(message) -> str:
    match = re.search(r"http://[^\s]+/confirm/[0-9a-f-]+/[^\s/]+/", message.body)
    assert match, message.body
    return match.group(0).split("http://127.0.0.1:8000", 1)[-1]


def confirmation_code(message) -> str:
    match = re.search(r"код: (\d{6})", message.body)
    assert match, message.body
    return match.group(1)


def submit(client, **overrides):
    return client.post(FORM_URL, form_data(**overrides))


def test_form_page_shows_the_notes_and_every_field_in_the_institutions_order(client):
    response = client.get(FORM_URL)
    assert response.status_code == 200
    html = response.content.decode()
    labels = [
        "Фамилия", "Имя", "Отчество", "Адрес (субъект РФ, населённый пункт, улица, дом, кв.)", "Индекс",
        "Телефон", "Электронная почта", "Способ получения ответа", "Тематика", "Вид обращения",
        "Суть обращения", "Прикрепить файл", "Я согласен с порядком передачи и рассмотрения обращений",
        "Введите символы с картинки",
    ]
    positions = [html.index(label) for label in labels]
    assert positions == sorted(positions)
    assert "0000.0000.0000.0272 Платное образование" in html
    assert "Обращения, направленные в форме электронного документа через официальный сайт" in html
    assert 'name="website"' in html  # honeypot


def test_invalid_form_keeps_everything_typed_and_explains_each_error_in_russian(client):
    response = submit(client, last_name="", postal_index="1190", email="ivanov@gmail.com", phone="12", text="  ")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Укажите фамилию." in html
    assert "Почтовый индекс состоит из шести цифр" in html
    assert "российской национальной доменной зоне" in html
    assert "Такого номера телефона не существует" in html or "Укажите номер телефона с кодом" in html
    assert "Изложите суть предложения, заявления или жалобы." in html
    # What was typed comes back in the fields.
    assert 'value="Мария"' in html
    assert 'value="ivanov@gmail.com"' in html
    assert "г. Москва, ул. Остоженка, д. 1, кв. 2" in html
    assert 'role="alert"' in html
    assert not Draft.objects.exists()
    assert mail.outbox == []


def test_files_that_passed_stay_with_the_draft_when_another_field_fails(client):
    pdf = upload("Справка.pdf", make_pdf())
    bad = upload("notes.pdf", b"not a pdf at all")
    response = client.post(FORM_URL, {**form_data(last_name=""), "attachments": [pdf, bad]})
    html = response.content.decode()
    assert "Справка.pdf" in html and "Уже приложенные файлы" in html
    assert "notes.pdf" in html  # named in its error
    draft = Draft.objects.get()
    assert [a.original_name for a in draft.attachments.all()] == ["Справка.pdf"]

    # The second submission does not attach it again, and the appeal has it.
    response = client.post(FORM_URL, form_data())
    assert response.status_code == 302
    client.post(confirmation_link(mail.outbox[-1]))
    appeal = Appeal.objects.get()
    assert appeal.attachment_count == 1
    assert [a.original_name for a in appeal.attachments.all()] == ["Справка.pdf"]


def test_a_kept_file_can_be_removed_before_sending(client):
    client.post(FORM_URL, {**form_data(last_name=""), "attachments": [upload("scan.jpg", make_jpeg())]})
    attachment = Attachment.objects.get()
    name = attachment.file.name
    storage = attachment.file.storage
    assert storage.exists(name)
    client.post(FORM_URL, {**form_data(), "remove_attachments": [attachment.pk]})
    assert not Attachment.objects.exists()
    assert not storage.exists(name)


def test_the_whole_journey_by_link_gives_a_number_and_an_acknowledgement(client):
    response = client.post(FORM_URL, {**form_data(), "attachments": [upload("doc.pdf", make_pdf())]})
    assert response.status_code == 302
    assert response["Location"] == reverse("appeals:check_email")
    assert not Appeal.objects.exists()  # a draft is not an appeal
    [letter] = mail.outbox
    assert letter.to == ["maria.ivanova@mail.ru"]
    link = confirmation_link(letter)

    # Opening the link (or a mail scanner prefetching it) changes nothing.
    response = client.get(link)
    assert response.status_code == 200
    assert not Appeal.objects.exists()

    response = client.post(link, follow=True)
    appeal = Appeal.objects.get()
    year = timezone.localdate().year
    assert appeal.number == f"ОГ-{year}-000001"
    assert appeal.registered_at is None  # the registrar registers it (art. 8 part 2)
    assert appeal.identification_method == "email"
    assert appeal.identified_as == "maria.ivanova@mail.ru"
    assert appeal.phone == "+79161234567"
    assert appeal.topic_code == appeal.topic.code
    html = response.content.decode()
    assert appeal.number in html
    code = re.search(r'id="access-code">([A-Z0-9-]+)<', html).group(1)
    assert code not in appeal.access_code_hash and len(appeal.access_code_hash) == 64
    # The acknowledgement went through the outbox.
    ack = OutgoingMessage.objects.get(kind="appeals.acknowledgement")
    assert ack.appeal == appeal and ack.status == OutgoingMessage.Status.SENT
    assert mail.outbox[-1].subject == f"О поступлении обращения № {appeal.number}"
    assert "ч. 2" not in mail.outbox[-1].subject
    assert "частью 2 статьи 8" in mail.outbox[-1].body


def test_confirmation_by_code_and_too_many_wrong_codes(client, settings):
    # Issue 8 changed this: a new letter no longer gives fresh tries; at the
    # limit the citizen submits again from a filled-in form.
    settings.APPEALS_CONFIRMATION_MAX_WRONG_CODES = 3
    submit(client)
    code = confirmation_code(mail.outbox[-1])
    wrong = "000000" if code != "000000" else "111111"
    url = reverse("appeals:check_email")
    for left in (2, 1):
        response = client.post(url, {"code": wrong})
        assert f"Код неверный. Проверьте код в последнем письме. Осталось попыток: {left}." in response.content.decode()
    response = client.post(url, {"code": wrong}, follow=True)
    html = response.content.decode()
    assert "Код введён неверно слишком много раз (3)" in html
    assert 'value="Мария"' in html  # the form is back, filled in
    assert not Appeal.objects.exists()
    # Sent again, it gets a new letter whose code works.
    client.post(FORM_URL, form_data())
    response = client.post(url, {"code": confirmation_code(mail.outbox[-1])}, follow=True)
    assert Appeal.objects.count() == 1
    assert Appeal.objects.get().number in response.content.decode()


def test_resubmitting_and_double_confirming_make_one_appeal(client):
    submit(client)
    submit(client)  # double click on "send"
    assert Draft.objects.count() == 1
    assert len(mail.outbox) == 1  # the letter is not resent within a minute
    link = confirmation_link(mail.outbox[-1])
    client.post(link)
    client.post(link)
    response = submit(client)  # the back button and "send" again
    assert response.status_code == 302 and response["Location"] == reverse("appeals:received")
    assert Appeal.objects.count() == 1


def test_a_second_appeal_in_the_same_browser_gets_the_next_number(client):
    submit(client)
    client.post(confirmation_link(mail.outbox[-1]))
    response = client.get(FORM_URL)
    assert 'value="Мария"' not in response.content.decode()  # a fresh form
    submit(client, text="Второе обращение.")
    client.post(confirmation_link(mail.outbox[-1]))
    assert sorted(Appeal.objects.values_list("sequence", flat=True)) == [1, 2]


def test_honeypot_filled_makes_nothing(client):
    response = submit(client, website="http://spam.example")
    assert response.status_code == 200
    assert not Draft.objects.exists() and mail.outbox == []


def test_captcha_is_required(client):
    response = submit(client, captcha_1="WRONG")
    assert "Символы введены неверно" in response.content.decode()
    assert not Draft.objects.exists()


def test_consent_is_required(client):
    response = submit(client, consent=None)
    assert "Без согласия обращение не может быть отправлено." in response.content.decode()


@pytest.mark.parametrize("email", ["ivan@почта.рф", "ivan@mail.ru", "ivan@yandex.su", "ivan@msk.edu.ru"])
def test_national_zone_addresses_are_accepted(client, email):
    response = submit(client, email=email)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_expired_link_and_purge_remove_the_draft_and_its_files(client):
    client.post(FORM_URL, {**form_data(), "attachments": [upload("doc.pdf", make_pdf())]})
    link = confirmation_link(mail.outbox[-1])
    attachment = Attachment.objects.get()
    storage, name = attachment.file.storage, attachment.file.name
    Draft.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(link)
    assert response.status_code == 400
    assert "Срок действия ссылки истёк" in response.content.decode()
    assert services.purge_expired_drafts() == 1
    assert not Draft.objects.exists() and not Attachment.objects.exists()
    assert not storage.exists(name)
    assert not Appeal.objects.exists()


def test_numbers_restart_each_year(client, time_machine):
    time_machine.move_to("2026-12-31 20:00:00+03:00")
    submit(client)
    client.post(confirmation_link(mail.outbox[-1]))
    time_machine.move_to("2027-01-01 00:30:00+03:00")
    client.get(FORM_URL)
    submit(client, text="После Нового года.")
    client.post(confirmation_link(mail.outbox[-1]))
    assert sorted(Appeal.objects.values_list("number", flat=True)) == ["ОГ-2026-000001", "ОГ-2027-000001"]


def test_request_over_the_limit_is_refused_before_it_is_read(client, settings):
    settings.APPEALS_MAX_REQUEST_BYTES = 1000
    response = client.post(FORM_URL, {**form_data(), "attachments": [upload("big.pdf", make_pdf(padding=5000))]})
    assert response.status_code == 413
    html = response.content.decode()
    assert "не больше 10 МБ" in html and "кнопку «Назад»: введённый текст останется в форме" in html
    assert "Connection" not in response  # a hop-by-hop header: wsgiref (runserver) refuses it


def test_files_past_the_total_are_dropped_while_streaming_and_named(client, settings, monkeypatch):
    settings.APPEALS_ATTACHMENTS_MAX_TOTAL = 40_000
    settings.APPEALS_MAX_REQUEST_BYTES = 1_000_000
    from appeals import attachments

    monkeypatch.setattr(attachments, "MAX_TOTAL_BYTES", 40_000)
    first = upload("first.pdf", make_pdf(padding=25_000))
    second = upload("second.pdf", make_pdf(padding=25_000))
    response = client.post(FORM_URL, {**form_data(last_name=""), "attachments": [first, second]})
    html = response.content.decode()
    assert "Файл «second.pdf» не принят" in html
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["first.pdf"]


def test_changing_the_address_invalidates_the_letter_sent_to_the_old_one(client):
    submit(client, email="old@mail.ru")
    old_link = confirmation_link(mail.outbox[-1])
    submit(client, email="new@mail.ru")
    assert mail.outbox[-1].to == ["new@mail.ru"]  # sent at once, despite the one-minute pause
    assert client.post(old_link).status_code == 400
    client.post(confirmation_link(mail.outbox[-1]))
    assert Appeal.objects.get().identified_as == "new@mail.ru"


def test_the_cached_blank_form_follows_the_topics_and_keeps_the_captcha_fresh(client):
    from captcha.models import CaptchaStore

    from classifiers.models import Topic

    first = client.get(FORM_URL).content.decode()
    second = client.get(FORM_URL).content.decode()
    keys = {re.search(r'name="captcha_0" value="([0-9a-f]+)"', page).group(1) for page in (first, second)}
    assert len(keys) == 2 and CaptchaStore.objects.filter(hashkey__in=keys).count() == 2
    topic = Topic.objects.offered().get(code="0000.0000.0000.0272")
    Topic.objects.filter(pk=topic.pk).update(is_offered=False)  # as the admin's bulk action does
    assert "Платное образование" not in client.get(FORM_URL).content.decode()
    Topic.objects.filter(pk=topic.pk).update(is_offered=True, title="Платные образовательные услуги")
    assert "0272 Платные образовательные услуги" in client.get(FORM_URL).content.decode()


def test_a_retired_topic_stays_on_the_appeals_that_used_it(client):
    from django.db.models import ProtectedError

    from classifiers.models import Topic

    submit(client)
    client.post(confirmation_link(mail.outbox[-1]))
    appeal = Appeal.objects.get()
    topic = appeal.topic
    Topic.objects.filter(pk=topic.pk).update(is_offered=False, is_active=False, title="Новое название")
    appeal.refresh_from_db()
    assert appeal.topic_id == topic.pk
    assert (appeal.topic_code, appeal.topic_title) == (topic.code, topic.title)  # as the citizen saw it
    assert topic.label not in client.get(FORM_URL).content.decode()  # no longer offered
    with pytest.raises(ProtectedError):
        Topic.objects.get(pk=topic.pk).delete()


def test_a_photo_is_stored_without_location_and_camera_data(client):
    from tests.appeals.test_attachments import private_jpeg

    photo, _icc = private_jpeg()
    assert b"SecretSerial" in photo and b"SecretMaker" in photo
    client.post(FORM_URL, {**form_data(), "attachments": [upload("IMG_0001.JPG", photo)]})
    client.post(confirmation_link(mail.outbox[-1]))
    attachment = Appeal.objects.get().attachments.get()
    with attachment.file.open("rb") as stored_file:
        stored = stored_file.read()
    for secret in (b"SecretSerial", b"SecretMaker", b"SecretModel", b"SecretComment", b"SecretXmp"):
        assert secret not in stored
    from PIL import Image

    with Image.open(io.BytesIO(stored)) as image:
        assert image.getexif().get_ifd(0x8825) == {}  # no GPS block
    assert attachment.original_name == "IMG_0001.JPG" and attachment.file.name.endswith(".jpg")
    assert attachment.size == len(stored)


LONG_RUSSIAN_NAME = (
    "Заявление о предоставлении копии решения комиссии по рассмотрению обращений граждан "
    "от 12 марта 2026 года, страница 1.pdf"
)


def test_a_pdf_with_a_long_russian_name_is_accepted_kept_whole_and_listed_shortened(client):
    # Issue 8: the 80-character display cut used to fall on the name before
    # the extension check, so this valid PDF was refused as «not .pdf».
    from appeals.attachments import short_file_name

    pdf = upload(LONG_RUSSIAN_NAME, make_pdf())
    response = client.post(FORM_URL, {**form_data(last_name=""), "attachments": [pdf]})
    html = response.content.decode()
    assert "не оканчивается на .pdf" not in html
    [attachment] = Draft.objects.get().attachments.all()
    assert attachment.original_name == LONG_RUSSIAN_NAME
    shown = short_file_name(LONG_RUSSIAN_NAME)
    assert str(attachment) == attachment.display_name == shown and len(shown) == 80
    assert f'title="{LONG_RUSSIAN_NAME}">{shown}</span>' in html
