"""ШПИ, dispatch and returns, the appeal's history and the citizen's status page (issue 9 items 6, 7)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import TestCase

from appeals.models import AppealEvent
from letters.models import LetterKind, PostalLetter
from outbox.models import OutgoingMessage
from postal import documents, services
from postal.models import Batch, LetterEvent
from tests.postal.conftest import make_letter, postal_appeal

Status = PostalLetter.Status
FIRST13 = "1190340112345"  # index 119034, month 01, item 12345


def valid(first13: str) -> str:
    return first13 + str(documents.tracking_check_digit(first13))


def wrong(first13: str) -> str:
    return first13 + str((documents.tracking_check_digit(first13) + 1) % 10)


def build(user, **kwargs) -> Batch:
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = services.build_batch(user, **kwargs)
    batch.refresh_from_db()
    return batch


def test_the_check_digit_is_the_ean13_rule():
    # 3 x (odd places) + (even places), completed to a multiple of ten: worked by hand.
    digits = [int(d) for d in FIRST13]
    total = 3 * sum(digits[0::2]) + sum(digits[1::2])
    assert documents.tracking_check_digit(FIRST13) == (10 - total % 10) % 10
    assert services.check_tracking_number(" ".join([valid(FIRST13)[:6], valid(FIRST13)[6:]])) == valid(FIRST13)


def test_a_wrong_check_digit_is_refused_naming_the_expected_digit_unless_confirmed(roles):
    letter = make_letter(postal_appeal(roles))
    expected = documents.tracking_check_digit(FIRST13)
    with pytest.raises(services.PostalError, match=f"должна быть {expected}"):
        services.set_tracking_number(letter, roles.clerk, wrong(FIRST13))
    with pytest.raises(services.PostalError, match="14 цифр"):
        services.set_tracking_number(letter, roles.clerk, "12345")
    letter = services.set_tracking_number(letter, roles.clerk, wrong(FIRST13), confirmed=True)
    assert letter.tracking_number == wrong(FIRST13)
    event = LetterEvent.objects.get(letter=letter, action="letter.numbered")
    assert event.data["check_digit_confirmed"] is True and event.data["expected_check_digit"] == expected
    assert event.actor == roles.clerk


def test_a_tracking_number_is_unique_among_letters(roles):
    first, second = make_letter(postal_appeal(roles)), make_letter(postal_appeal(roles))
    services.set_tracking_number(first, roles.clerk, valid(FIRST13))
    with pytest.raises(services.PostalError, match="уже присвоен"):
        services.set_tracking_number(second, roles.clerk, valid(FIRST13))


def test_a_roll_numbers_the_registered_letters_in_the_batch_order(roles):
    appeal = postal_appeal(roles)
    answers = [make_letter(appeal) for _ in range(3)]
    simple = make_letter(appeal, kind=LetterKind.EXTENSION)
    batch = build(roles.clerk)
    numbers = services.number_batch(batch, roles.clerk, valid(FIRST13))
    assert numbers == documents.tracking_roll(valid(FIRST13), 3)
    assert [n[8:13] for n in numbers] == ["12345", "12346", "12347"]
    for letter, number in zip(answers, numbers, strict=True):
        letter.refresh_from_db()
        assert letter.tracking_number == number and documents.is_valid_tracking_number(number)
    simple.refresh_from_db()
    assert simple.tracking_number == ""  # a simple letter has no ШПИ
    # The list of the batch now shows the numbers.
    assert [item.tracking_number for item in services.mail_lists(batch)[0].items] == numbers


def test_a_roll_that_would_take_numbers_of_other_letters_is_refused_whole(roles):
    appeal = postal_appeal(roles)
    taken = make_letter(appeal)
    services.set_tracking_number(taken, roles.clerk, valid("1190340112346"))
    rest = [make_letter(appeal), make_letter(appeal)]
    batch = build(roles.clerk, letter_ids=[letter.pk for letter in rest])
    with pytest.raises(services.PostalError):
        services.number_batch(batch, roles.clerk, valid(FIRST13))
    assert PostalLetter.objects.exclude(tracking_number="").count() == 1


def dispatched(roles, **letter_fields) -> tuple[Batch, PostalLetter]:
    letter = make_letter(postal_appeal(roles, "b"), **letter_fields)
    batch = build(roles.clerk)
    services.number_batch(batch, roles.clerk, valid(FIRST13))
    services.dispatch_batch(batch, roles.clerk, on=dt.date(2026, 12, 1))
    letter.refresh_from_db()
    return batch, letter


def test_dispatch_needs_a_tracking_number_for_each_registered_letter(roles):
    make_letter(postal_appeal(roles))
    batch = build(roles.clerk)
    with pytest.raises(services.PostalError, match="ШПИ"):
        services.dispatch_batch(batch, roles.clerk)


def test_dispatch_records_the_date_and_shpi_in_the_letter_and_the_appeals_history(roles):
    batch, letter = dispatched(roles)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DISPATCHED and not batch.items.filter(open=True).exists()
    assert letter.status == Status.SENT and letter.sent_at.date() == dt.date(2026, 12, 1)
    event = AppealEvent.objects.get(appeal=letter.appeal, action="letter.posted")
    assert "Отправлено почтой 01.12.2026" in event.comment and letter.tracking_number in event.comment
    assert event.actor == roles.clerk
    with pytest.raises(services.PostalError):
        services.cancel_batch(batch, roles.clerk)  # posted: no longer cancelled


def test_a_return_tells_the_official_and_resending_queues_a_new_letter_with_the_same_text(roles):
    _, letter = dispatched(roles)
    roles.executor_b.email = "boris@univer.example"
    roles.executor_b.save()
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.record_return(letter, roles.clerk, reason=PostalLetter.ReturnReason.EXPIRED)
    letter.refresh_from_db()
    assert letter.status == Status.RETURNED and letter.return_settled_at is None
    history = AppealEvent.objects.get(appeal=letter.appeal, action="letter.returned")
    assert "истёк срок хранения" in history.comment
    reminder = OutgoingMessage.objects.get(kind="staff.postal_returned")
    assert reminder.to == "boris@univer.example" and letter.appeal.number in reminder.subject
    with pytest.raises(services.PostalError):
        services.record_return(letter, roles.clerk, reason="other")  # once

    new = services.resend_letter(letter, roles.executor_b, addressee="Ивановой М. П.\nг. Москва, ул. Арбат, д. 5",
                                 postal_index="119002")
    assert new.status == Status.QUEUED and new.resent_from == letter
    # A corrected address: the letter is laid out again (tests/postal/test_readdress.py), same text.
    assert (new.text, new.subject) == (letter.text, letter.subject) and new.pdf_path != letter.pdf_path
    assert new.postal_index == "119002" and new.tracking_number == ""
    assert new in services.waiting_letters()
    with pytest.raises(services.PostalError):
        services.resend_letter(letter, roles.executor_b)  # decided once
    actions = list(AppealEvent.objects.filter(appeal=letter.appeal, action__startswith="letter.")
                   .values_list("action", flat=True))
    assert actions == ["letter.posted", "letter.returned", "letter.resent"]


def test_a_returned_letter_can_go_by_email_with_its_pdf(roles):
    _, letter = dispatched(roles)
    services.record_return(letter, roles.clerk, reason=PostalLetter.ReturnReason.NOT_FOUND)
    message = services.answer_by_email(letter, roles.executor_b, email="maria.ivanova@mail.ru")
    assert message.to == "maria.ivanova@mail.ru" and message.attachment_path == letter.pdf_path
    assert AppealEvent.objects.filter(appeal=letter.appeal, action="letter.emailed").exists()


def test_the_citizen_sees_the_posting_and_the_return_on_the_status_page(client, roles):
    from appeals import tokens
    from tests.appeals.test_status_page import CODE, DETAIL_URL, log_in

    _, letter = dispatched(roles)
    letter.appeal.access_code_hash = tokens.hash_secret(CODE)
    letter.appeal.save(update_fields=["access_code_hash"])
    log_in(client, letter.appeal.number)
    html = client.get(DETAIL_URL).content.decode()
    assert f"отправлено почтой 01.12.2026, ШПИ {letter.tracking_number}" in html
    services.record_return(letter, roles.clerk, reason=PostalLetter.ReturnReason.REFUSED)
    html = client.get(DETAIL_URL).content.decode()
    assert "письмо вернулось неврученным (отказ адресата от получения)" in html


def returned_count(html: str) -> int:
    found = re.search(r'id="attention-postal_returned"[^>]*>\s*<span class="count">(\d+)</span>', html)
    assert found, "no flag of returned letters on the front page"
    return int(found.group(1))


def test_the_officials_front_page_counts_the_returned_letter(client, roles):
    _, letter = dispatched(roles)
    services.record_return(letter, roles.clerk, reason=PostalLetter.ReturnReason.EXPIRED)
    client.force_login(roles.executor_b)
    assert returned_count(client.get("/admin/").content.decode()) == 1
    client.force_login(roles.executor_a)  # not their appeal
    assert returned_count(client.get("/admin/").content.decode()) == 0
    services.settle_return(letter, roles.executor_b, comment="вручено лично")
    client.force_login(roles.executor_b)
    assert returned_count(client.get("/admin/").content.decode()) == 0
