"""The contract's API: every function callable with the contract's signature, doing the plain thing."""

from __future__ import annotations

import datetime as dt

import pytest

import postal.documents as documents
from postal.documents import Envelope, MailClass, MailList, MailListItem, Party

SENDER = Party("МГЛУ", "г. Москва, ул. Остоженка, д. 38", "119034")
ADDRESSEE = Party("Ивановой Марии Петровне", "г. Москва, ул. Остоженка, д. 1, кв. 2", "119034")


def test_the_package_exports_the_contract():
    for name in ("Envelope", "Party", "AddressParts", "parse_address", "envelope_lines", "envelope_for_sheets",
                 "estimate_weight", "render_envelope", "render_labels", "MailClass", "MailListItem", "MailList",
                 "render_mail_list", "export_header", "export_rows", "export_csv", "export_xlsx",
                 "tracking_check_digit", "is_valid_tracking_number", "tracking_roll", "page_count"):
        assert hasattr(documents, name), name


def test_a_party_is_frozen_and_its_nominative_name_parts_are_optional():
    party = Party("Ивановой Марии Петровне", "г. Москва", "119034")
    assert (party.surname, party.given_name, party.middle_name) == ("", "", "")
    with pytest.raises(AttributeError):
        party.name = "x"  # type: ignore[misc]


def test_every_envelope_size_renders_one_page_and_the_window_envelope_none():
    for envelope in (Envelope.DL, Envelope.C5, Envelope.C4):
        pdf = documents.render_envelope(envelope, sender=SENDER, addressee=ADDRESSEE)
        assert documents.page_count(pdf) == 1
    with pytest.raises(ValueError):
        documents.render_envelope(Envelope.WINDOW, sender=SENDER, addressee=ADDRESSEE)


def test_the_list_and_its_exports_render():
    mail_list = MailList("1", dt.date(2026, 3, 10), SENDER, MailClass.REGISTERED,
                         [MailListItem(ADDRESSEE, "14001293402154", 15, False)])
    assert documents.page_count(documents.render_mail_list(mail_list)) == 2  # two copies
    assert documents.export_rows(mail_list)[0][:2] == ["LETTER", "ORDERED"]
    assert documents.export_csv(mail_list).startswith(b"\xef\xbb\xbf")
    assert documents.export_xlsx(mail_list).startswith(b"PK")
    assert documents.page_count(documents.render_labels(sender=SENDER, addressees=[ADDRESSEE] * 15)) == 2


def test_rendering_again_gives_the_same_bytes():
    mail_list = MailList("1", dt.date(2026, 3, 10), SENDER, MailClass.REGISTERED,
                         [MailListItem(ADDRESSEE, "14001293402154", 15, False)])
    for render in (
        lambda: documents.render_envelope(Envelope.C5, sender=SENDER, addressee=ADDRESSEE),
        lambda: documents.render_labels(sender=SENDER, addressees=[ADDRESSEE] * 3),
        lambda: documents.render_mail_list(mail_list),
        lambda: documents.export_xlsx(mail_list),
    ):
        assert render() == render()


def test_an_empty_list_still_renders_its_heading_and_zero_totals():
    from tests.postal.documents.conftest import text_of

    mail_list = MailList("7", dt.date(2026, 3, 10), SENDER, MailClass.SIMPLE, [])
    text = text_of(documents.render_mail_list(mail_list))
    assert "СПИСОК № 7" in text and "Итого: отправлений 0, общая масса 0 г" in text
    assert documents.export_rows(mail_list) == []
