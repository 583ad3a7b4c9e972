"""The appeal's rules, as functions that know nothing of HTTP.

- intake: drafts, their files, identification and the receipt of an appeal;
- terms: due dates of an appeal, from appeals.deadlines and the calendar;
- access: which appeals a member of staff may see and act on;
- handling: the officials' steps (register, assign, redirect, article 11,
  extend, answer, sign, withdraw, link), each one transaction with the appeal
  locked and a history entry written.

The intake names are re-exported here: views and tasks say `services.X`.
"""

from appeals.services.intake import (
    AppealError,
    Receipt,
    confirmation_url,
    create_draft,
    format_number,
    get_open_draft,
    next_sequence,
    purge_expired_drafts,
    queue_acknowledgement,
    receive_appeal,
    remove_files,
    restart_draft,
    store_files,
    submit_draft,
)

__all__ = [
    "AppealError",
    "Receipt",
    "confirmation_url",
    "create_draft",
    "format_number",
    "get_open_draft",
    "next_sequence",
    "purge_expired_drafts",
    "queue_acknowledgement",
    "receive_appeal",
    "remove_files",
    "restart_draft",
    "store_files",
    "submit_draft",
]
