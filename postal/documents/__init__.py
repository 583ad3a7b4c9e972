"""Postal documents: envelopes, labels, the registered-mail list, the «Отправка» export and ШПИ.

Pure functions over frozen dataclasses: no Django model, no database. The
postal app (postal-core) feeds them from its models and stores what they make.
"""

from postal.documents.address import envelope_lines, parse_address
from postal.documents.envelopes import (
    envelope_for_sheets,
    estimate_weight,
    render_envelope,
    render_envelopes,
    render_labels,
)
from postal.documents.export import export_csv, export_header, export_rows, export_xlsx
from postal.documents.mail_list import render_mail_list
from postal.documents.pdf import page_count
from postal.documents.tracking import is_valid_tracking_number, tracking_check_digit, tracking_roll
from postal.documents.types import AddressParts, Envelope, MailClass, MailList, MailListItem, Party

__all__ = [
    "AddressParts",
    "Envelope",
    "MailClass",
    "MailList",
    "MailListItem",
    "Party",
    "envelope_for_sheets",
    "envelope_lines",
    "estimate_weight",
    "export_csv",
    "export_header",
    "export_rows",
    "export_xlsx",
    "is_valid_tracking_number",
    "page_count",
    "parse_address",
    "render_envelope",
    "render_envelopes",
    "render_labels",
    "render_mail_list",
    "tracking_check_digit",
    "tracking_roll",
]
