"""Walk the whole admin as every role, on objects of department B: what each role may reach is the table below.

Issue 8, items 1 and 3. For every role of tests/roles.py and every model
registered in django.contrib.admin.site, the test requests the changelist,
the add page, the change page, the history page and the delete page of one
object of department B, every custom URL the ModelAdmin adds in get_urls
(its arguments filled with department B's objects), and POSTs every admin
action on that object. It compares what happened with TABLE, and fails on
any difference, on any view the table does not list and on any table row
no view matched. A model registered without a row fails the first assert.

Shape of the table (extend it when you register a model):

    TABLE["app_label.ModelName"] = {
        VIEW: row(registrar, executor_a, executor_b, head, clerk, administrator, outsider),
        ...
    }

VIEW is "changelist", "add", "change", "history", "delete", "url:<name of
the custom URL>" (GET) or "action:<name of the action>" (POST on the
changelist with the object selected). A cell is what that role gets:

- an HTTP status (200, 302, 403, 404): the response had it and nothing was
  written to the access log;
- LOGGED: 200, and exactly one access-log row was written for that user
  (a page or a file of a citizen's personal data, 152-FZ);
- RAN (actions only): the action was called with the object in its
  queryset. Any status cell of an action means it was not (it got no
  object of B, or was not offered), and the response had that status.

Also add the model's department-B object to `objects_of_b` (and, for a
custom URL, its arguments to `url_arguments`). Every 200 page is read for
department B's citizen: each role may read only the MARKERS in READS; a
page of any other role that contains one of them fails the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, User
from django.db.models import Model
from django.test import TestCase
from django.urls import URLPattern, reverse
from django.utils import timezone

from accounts.models import AuditEntry
from appeals.models import AccessLogEntry, Answer, AnswerFile, Appeal, Attachment, StaffProfile
from appeals.services import handling
from appeals.staff_forms import check_files
from classifiers.models import CalendarDay, Cause, Institution, IntakeNote, Measure
from feedback import services as feedback
from feedback.models import SatisfactionRequest
from letters.models import AnswerFragment, LetterTemplate, PostalLetter
from outbox.models import OutgoingMessage
from postal import services as postal_services
from postal.models import Batch, MailClassDefault
from publications.models import PublishedAnswer
from reports.models import PublicReview
from suggestions.models import Proposal, ScreeningWord
from tests.factories import make_pdf, upload
from tests.postal.conftest import make_letter
from tests.roles import Roles, external_body, make_appeal

pytestmark = pytest.mark.django_db

ROLES = ("registrar", "executor_a", "executor_b", "head", "clerk", "administrator", "outsider")
LOGGED = "logged"
RAN = "ran"
Cell = int | str


def row(*cells: Cell) -> dict[str, Cell]:
    """One view's cells, in the order of ROLES."""
    return dict(zip(ROLES, cells, strict=True))


def every(cell: Cell) -> dict[str, Cell]:
    return row(*(cell for _role in ROLES))


# Department B's citizen, and the words of theirs each role may read.
PERSON = {
    "last_name": "Шереметьев", "first_name": "Глеб", "patronymic": "Аркадьевич",
    "address": "г. Москва, ул. Пречистенка, д. 7, кв. 3", "postal_index": "119034", "phone": "+79035550101",
    "email": "g.sheremetev@mail.ru", "identified_as": "g.sheremetev@mail.ru",
    "text": "Прошу пересчитать стипендию за март: её начислили не полностью.",
}
ANSWER_TEXT = "Стипендия за март пересчитана и будет доплачена до 25 апреля."
MARKERS = {
    "surname": "Шереметьев",  # also in the dative of a letter's addressee («Шереметьеву»)
    "address": "Пречистенка",
    "phone": "9035550101",
    "email": "g.sheremetev@mail.ru",
    "mailbox": "g.sheremetev",
    "text": "пересчитать стипендию",
    "answer": "Стипендия за март пересчитана",
}
EVERYTHING = frozenset(MARKERS)
READS: dict[str, frozenset[str]] = {
    "registrar": EVERYTHING,
    "head": EVERYTHING,
    "executor_b": EVERYTHING,
    # The clerk prints the postal letters: the addressee, the address, the letter's text.
    "clerk": frozenset({"surname", "address", "answer"}),
    "executor_a": frozenset(),
    "administrator": frozenset(),
    "outsider": frozenset(),
}

TABLE: dict[str, dict[str, dict[str, Cell]]] = {
    #                                  registrar executor_a executor_b head  clerk administrator outsider
    "appeals.Appeal": {
        "changelist":                 row(200,    200,      200,      200,   403,  403,          403),
        "add":                        row(200,    403,      403,      403,   403,  403,          403),
        "change":                     row(LOGGED, 404,      LOGGED,   LOGGED, 404, 404,          404),
        # The history page names the appeal by its number only: not logged.
        "history":                    row(200,    404,      200,      200,   404,  404,          404),
        "delete":                     every(403),
        "url:appeals_appeal_attachment": row(LOGGED, 404,   LOGGED,   LOGGED, 404, 404,          404),
        "url:appeals_appeal_answer_pdf": row(LOGGED, 404,   LOGGED,   LOGGED, 404, 404,          404),
        "url:appeals_appeal_answer_file": row(LOGGED, 404,  LOGGED,   LOGGED, 404, 404,          404),
        # Issue 10: the letter before signing; department B's appeal is answered, so the preview is gone.
        "url:appeals_appeal_answer_preview": every(404),
        # Issue 10 item 4: the draft's text kept while typed; POST only (the GET of the walk is refused).
        "url:appeals_appeal_answer_autosave": row(405, 404, 405, 405, 404, 404, 404),
        # The step "extend" of an answered appeal: the head's right, but no longer available.
        "url:appeals_appeal_step":    row(403,    404,      403,      302,   404,  404,          404),
        "action:delete_selected":     row(302,    200,      200,      302,   403,  403,          403),
        "action:register_selected":   row(RAN,    200,      200,      302,   403,  403,          403),
        "action:assign_selected":     row(RAN,    200,      200,      RAN,   403,  403,          403),
        # Issue 10: the head signs several answers after reading each (an answered one is refused on the page).
        "action:sign_selected":       row(302,    200,      200,      RAN,   403,  403,          403),
    },
    # Issue 10: the officials' positions and signatures, the administrator's to edit.
    "appeals.StaffProfile": {
        "changelist":                 row(403,    403,      403,      403,   403,  200,          403),
        "add":                        row(403,    403,      403,      403,   403,  200,          403),
        "change":                     row(403,    403,      403,      403,   403,  200,          403),
        "history":                    row(403,    403,      403,      403,   403,  200,          403),
        "delete":                     every(403),
        "action:delete_selected":     row(403,    403,      403,      403,   403,  200,          403),
    },
    "appeals.AccessLogEntry": {
        "changelist":                 row(403,    403,      403,      200,   403,  403,          403),
        "add":                        every(403),
        # Without the model's right: 403 before the row is looked for; with it, a row out of reach: 404.
        "change":                     row(403,    403,      403,      LOGGED, 403, 403,          403),
        "history":                    row(403,    404,      403,      LOGGED, 404, 404,          404),
        "delete":                     every(403),
        "action:delete_selected":     row(403,    403,      403,      200,   403,  403,          403),
    },
    "letters.PostalLetter": {
        "changelist":                 row(200,    200,      200,      200,   200,  403,          403),
        "add":                        every(403),
        "change":                     row(LOGGED, 404,      LOGGED,   LOGGED, LOGGED, 403,       403),
        "history":                    row(LOGGED, 404,      LOGGED,   LOGGED, LOGGED, 404,       404),
        "delete":                     every(403),
        # The clerk has an action (build_batch), so an action not offered is refused with a redirect.
        "action:delete_selected":     row(200,    200,      200,      200,   302,  403,          403),
        # Issue 9: the clerk builds a batch from the selected letters (a redirect to the batch's form).
        "action:build_batch":         row(200,    200,      200,      200,   RAN,  403,          403),
        # The letter's PDF opens in the browser: for those who may see the letter, logged.
        "url:letters_postalletter_pdf": row(LOGGED, 404,    LOGGED,   LOGGED, LOGGED, 403,       403),
        # The clerk's forms (ШПИ, a return) name the letter by its number only.
        "url:letters_postalletter_tracking": row(403, 404,  403,      403,   200,  403,          403),
        "url:letters_postalletter_return": row(403, 404,    403,      403,   200,  403,          403),
        # The official's decision on a return; the letter has not come back, so back to its page.
        "url:letters_postalletter_decide": row(403, 404,    302,      302,   403,  403,          403),
    },
    # Issue 9: batches hold letters of every department; the clerks' only. Their pages name appeals by
    # number; the files (the batch PDF, the form 103 list, the «Отправка» export) are logged per appeal.
    "postal.Batch": {
        "changelist":                 row(403,    403,      403,      403,   200,  403,          403),
        "add":                        row(403,    403,      403,      403,   200,  403,          403),
        "change":                     row(403,    403,      403,      403,   200,  403,          403),
        "history":                    row(403,    403,      403,      403,   200,  403,          403),
        "delete":                     every(403),
        "action:delete_selected":     row(403,    403,      403,      403,   200,  403,          403),
        "url:postal_batch_progress":  row(403,    403,      403,      403,   200,  403,          403),
        "url:postal_batch_pdf":       row(403,    403,      403,      403,   LOGGED, 403,        403),
        "url:postal_batch_list":      row(403,    403,      403,      403,   LOGGED, 403,        403),
        "url:postal_batch_export":    row(403,    403,      403,      403,   LOGGED, 403,        403),
        "url:postal_batch_number":    row(403,    403,      403,      403,   200,  403,          403),
        # A step is a POST; a GET goes back to the batch's page.
        "url:postal_batch_step":      row(403,    403,      403,      403,   302,  403,          403),
    },
    # The default mail class per kind of letter: the administrator's table.
    "postal.MailClassDefault": {
        "changelist":                 row(403,    403,      403,      403,   403,  200,          403),
        "add":                        every(403),
        "change":                     row(403,    403,      403,      403,   403,  200,          403),
        "history":                    row(403,    403,      403,      403,   403,  200,          403),
        "delete":                     every(403),
        "action:delete_selected":     row(403,    403,      403,      403,   403,  200,          403),
    },
    # The administrator operates the mail: delivery metadata only, never the address or the text.
    "outbox.OutgoingMessage": {
        "changelist":                 row(403,    403,      403,      403,   403,  200,          403),
        "add":                        every(403),
        "change":                     row(403,    403,      403,      403,   403,  200,          403),
        "history":                    row(403,    403,      403,      403,   403,  200,          403),
        "delete":                     every(403),
        "action:delete_selected":     row(403,    403,      403,      403,   403,  200,          403),
    },
    "appeals.Department": {
        "changelist":                 row(200,    200,      200,      200,   403,  200,          403),
        "add":                        row(403,    403,      403,      403,   403,  200,          403),
        "change":                     row(200,    200,      200,      200,   403,  200,          403),
        "history":                    row(200,    200,      200,      200,   403,  200,          403),
        "delete":                     every(403),
        "action:delete_selected":     row(200,    200,      200,      200,   403,  200,          403),
    },
    "classifiers.Topic": {
        "changelist":                 row(200,    200,      200,      200,   403,  200,          403),
        "add":                        row(403,    403,      403,      403,   403,  200,          403),
        "change":                     row(200,    200,      200,      200,   403,  200,          403),
        "history":                    row(200,    200,      200,      200,   403,  200,          403),
        "delete":                     every(403),
        "url:classifiers_topic_import": row(403,  403,      403,      403,   403,  200,          403),
        "action:delete_selected":     row(200,    200,      200,      200,   403,  302,          403),
        "action:offer_on_form":       row(200,    200,      200,      200,   403,  RAN,          403),
        "action:withdraw_from_form":  row(200,    200,      200,      200,   403,  RAN,          403),
        "action:retire":              row(200,    200,      200,      200,   403,  RAN,          403),
    },
    # The list redirects to the one institution's page, which checks the right.
    "classifiers.Institution": {
        "changelist":                 every(302),
        "add":                        every(403),
        "change":                     row(403,    403,      403,      403,   403,  200,          403),
        "history":                    row(403,    403,      403,      403,   403,  200,          403),
        "delete":                     every(403),
        "action:delete_selected":     every(302),
    },
    "classifiers.IntakeNote": {
        "changelist":                 row(403,    403,      403,      403,   403,  200,          403),
        "add":                        row(403,    403,      403,      403,   403,  200,          403),
        "change":                     row(403,    403,      403,      403,   403,  200,          403),
        "history":                    row(403,    403,      403,      403,   403,  200,          403),
        "delete":                     every(403),
        "action:delete_selected":     row(403,    403,      403,      403,   403,  200,          403),
    },
    "classifiers.ExternalBody": {
        "changelist":                 row(200,    200,      200,      200,   403,  200,          403),
        "add":                        row(200,    403,      403,      403,   403,  200,          403),
        "change":                     row(200,    200,      200,      200,   403,  200,          403),
        "history":                    row(200,    200,      200,      200,   403,  200,          403),
        "delete":                     every(403),
        "action:delete_selected":     row(200,    200,      200,      200,   403,  200,          403),
    },
    "classifiers.CalendarDay": {
        "changelist":                 row(403,    403,      403,      403,   403,  200,          403),
        "add":                        row(403,    403,      403,      403,   403,  200,          403),
        "change":                     row(403,    403,      403,      403,   403,  200,          403),
        "history":                    row(403,    403,      403,      403,   403,  200,          403),
        "delete":                     row(403,    403,      403,      403,   403,  200,          403),
        # Without the confirmation the action shows the list of what it would delete.
        "action:delete_selected":     row(403,    403,      403,      403,   403,  RAN,          403),
    },
    "letters.LetterTemplate": {
        "changelist":                 row(403,    403,      403,      403,   403,  200,          403),
        "add":                        every(403),
        "change":                     row(403,    403,      403,      403,   403,  200,          403),
        "history":                    row(403,    403,      403,      403,   403,  200,          403),
        "delete":                     every(403),
        "action:delete_selected":     row(403,    403,      403,      403,   403,  302,          403),
        "action:reset_to_shipped":    row(403,    403,      403,      403,   403,  RAN,          403),
    },
    # The quarterly public review: the head writes it, the administrator publishes it (issue 11 item 5).
    # The suggestions' decisions (issue 12): read-only, scoped as the appeals are, every page of one
    # logged (an art. 11 flag quotes the citizen's words); the accuracy above the list is an aggregate,
    # so the administrator, who sees no appeal, reads it on an empty list. Decisions are POSTs only.
    "suggestions.Proposal": {
        "changelist":                 row(200,    200,      200,      200,   403,  200,          403),
        "add":                        every(403),
        "change":                     row(LOGGED, 404,      LOGGED,   LOGGED, 403, 404,          403),
        "history":                    row(LOGGED, 404,      LOGGED,   LOGGED, 404, 404,          404),
        "delete":                     every(403),
        "url:suggestions_proposal_accept": every(405),
        "url:suggestions_proposal_reject": every(405),
        "action:delete_selected":     row(200,    200,      200,      200,   403,  200,          403),
    },
    # The administrator's word list for the art. 11 part 3 flags.
    "suggestions.ScreeningWord": {
        "changelist":                 row(403,    403,      403,      403,   403,  200,          403),
        "add":                        row(403,    403,      403,      403,   403,  200,          403),
        "change":                     row(403,    403,      403,      403,   403,  200,          403),
        "history":                    row(403,    403,      403,      403,   403,  200,          403),
        "delete":                     row(403,    403,      403,      403,   403,  200,          403),
        "action:delete_selected":     row(403,    403,      403,      403,   403,  RAN,          403),
    },
    "reports.PublicReview": {
        "changelist":                 row(403,    403,      403,      200,   403,  200,          403),
        "add":                        row(403,    403,      403,      200,   403,  403,          403),
        "change":                     row(403,    403,      403,      200,   403,  200,          403),
        "history":                    row(403,    403,      403,      200,   403,  200,          403),
        "delete":                     every(403),
        # The administrator has actions of their own, so a refused one redirects back to the list.
        "action:delete_selected":     row(403,    403,      403,      200,   403,  302,          403),
        "action:publish_selected":    row(403,    403,      403,      200,   403,  RAN,          403),
        "action:unpublish_selected":  row(403,    403,      403,      200,   403,  RAN,          403),
    },
    # Answers of general interest published on the site (issue 12 item 6): the head publishes and takes
    # them down; nobody deletes a page whose address may stand in an art. 11 part 5.1 notice.
    "publications.PublishedAnswer": {
        "changelist":                 row(403,    403,      403,      200,   403,  403,          403),
        "add":                        row(403,    403,      403,      200,   403,  403,          403),
        "change":                     row(403,    403,      403,      200,   403,  403,          403),
        "history":                    row(403,    403,      403,      200,   403,  403,          403),
        "delete":                     every(403),
        # The head has an action of their own, so a refused one redirects back to the list.
        "action:delete_selected":     row(403,    403,      403,      302,   403,  403,          403),
        "action:unpublish_selected":  row(403,    403,      403,      RAN,   403,  403,          403),
    },
    # The reference books of the complaint analysis (issue 11): the administrator edits them; nobody
    # deletes them (questions keep their cause and measures).
    # Issue 10 item 4: the standard passages of answers, the administrator's reference book.
    "letters.AnswerFragment": {
        "changelist":                 row(403,    403,      403,      403,   403,  200,          403),
        "add":                        row(403,    403,      403,      403,   403,  200,          403),
        "change":                     row(403,    403,      403,      403,   403,  200,          403),
        "history":                    row(403,    403,      403,      403,   403,  200,          403),
        "delete":                     row(403,    403,      403,      403,   403,  200,          403),
        "action:delete_selected":     row(403,    403,      403,      403,   403,  RAN,          403),
    },
    "classifiers.Cause": {
        "changelist":                 row(403,    403,      403,      403,   403,  200,          403),
        "add":                        row(403,    403,      403,      403,   403,  200,          403),
        "change":                     row(403,    403,      403,      403,   403,  200,          403),
        "history":                    row(403,    403,      403,      403,   403,  200,          403),
        "delete":                     every(403),
        "action:delete_selected":     row(403,    403,      403,      403,   403,  200,          403),
    },
    "classifiers.Measure": {
        "changelist":                 row(403,    403,      403,      403,   403,  200,          403),
        "add":                        row(403,    403,      403,      403,   403,  200,          403),
        "change":                     row(403,    403,      403,      403,   403,  200,          403),
        "history":                    row(403,    403,      403,      403,   403,  200,          403),
        "delete":                     every(403),
        "action:delete_selected":     row(403,    403,      403,      403,   403,  200,          403),
    },
    # The heads' review list of the citizens' answers: the comment is the citizen's text, so every
    # page of one answer is logged; the review page records what was done (issue 11).
    "feedback.SatisfactionRequest": {
        "changelist":                 row(403,    403,      403,      200,   403,  403,          403),
        "add":                        every(403),
        "change":                     row(403,    403,      403,      LOGGED, 403, 403,          403),
        "history":                    row(403,    404,      403,      LOGGED, 404, 404,          404),
        "delete":                     every(403),
        "url:feedback_satisfactionrequest_review": row(403, 403, 403,   LOGGED, 403, 403,          403),
        "action:delete_selected":     row(403,    403,      403,      200,   403,  403,          403),
    },
    # Users and groups (accounts.admin): nobody grants rights they do not hold, so the administrator may
    # view department B's executor but not change the account or its password (it holds the executor's rights).
    "auth.User": {
        "changelist":                 row(403,    403,      403,      403,   403,  200,          403),
        "add":                        row(403,    403,      403,      403,   403,  200,          403),
        "change":                     row(403,    403,      403,      403,   403,  200,          403),
        "history":                    row(403,    403,      403,      403,   403,  200,          403),
        "delete":                     every(403),
        "url:auth_user_password_change": every(403),
        # Not offered without delete_user: the list comes back with a message.
        "action:delete_selected":     row(403,    403,      403,      403,   403,  302,          403),
        # A lost phone: the device goes, the user enrols again at the next sign-in (logged).
        "action:remove_second_factor": row(403,   403,      403,      403,   403,  RAN,          403),
    },
    "auth.Group": {
        "changelist":                 row(403,    403,      403,      403,   403,  200,          403),
        "add":                        every(403),
        "change":                     row(403,    403,      403,      403,   403,  200,          403),
        "history":                    row(403,    403,      403,      403,   403,  200,          403),
        "delete":                     every(403),
        "action:delete_selected":     row(403,    403,      403,      403,   403,  200,          403),
    },
    # The audit of rights: read-only, for the administrator (and superusers).
    "accounts.AuditEntry": {
        "changelist":                 row(403,    403,      403,      403,   403,  200,          403),
        "add":                        every(403),
        "change":                     row(403,    403,      403,      403,   403,  200,          403),
        "history":                    row(403,    403,      403,      403,   403,  200,          403),
        "delete":                     every(403),
        "action:delete_selected":     row(403,    403,      403,      403,   403,  200,          403),
    },
    # django-axes: the administrator lifts a lockout by deleting the attempt.
    "axes.AccessAttempt": {
        "changelist":                 row(403,    403,      403,      403,   403,  200,          403),
        "add":                        every(403),
        "change":                     row(403,    403,      403,      403,   403,  200,          403),
        "history":                    row(403,    403,      403,      403,   403,  200,          403),
        "delete":                     row(403,    403,      403,      403,   403,  200,          403),
        "action:delete_selected":     row(403,    403,      403,      403,   403,  RAN,          403),
        "action:cleanup_expired_attempts": row(403, 403,    403,      403,   403,  RAN,          403),
    },
    "axes.AccessLog": {
        "changelist":                 row(403,    403,      403,      403,   403,  200,          403),
        "add":                        every(403),
        "change":                     row(403,    403,      403,      403,   403,  200,          403),
        "history":                    row(403,    403,      403,      403,   403,  200,          403),
        "delete":                     every(403),
        "action:delete_selected":     row(403,    403,      403,      403,   403,  200,          403),
    },
    # Nobody but a superuser: the attempts and the access log say what an administrator needs.
    "axes.AccessFailureLog": {
        "changelist":                 every(403),
        "add":                        every(403),
        "change":                     every(403),
        "history":                    every(403),
        "delete":                     every(403),
        "action:delete_selected":     every(403),
    },
}

STANDARD_VIEWS = ("changelist", "add", "change", "history", "delete")


# --- department B's objects ------------------------------------------------------------------
@dataclass
class WorldB:
    """Department B's answered appeals and every row of theirs the admin can show."""

    appeal: Appeal  # answered by e-mail, with an attachment and an enclosure to the answer
    postal_appeal: Appeal  # answered by post
    attachment: Attachment
    enclosure: AnswerFile
    message: OutgoingMessage
    letter: PostalLetter
    batch: Batch
    log_entry: AccessLogEntry
    roles: Roles


def answered_in_b(roles: Roles, **fields: Any) -> Appeal:
    """An appeal of department B's executor, answered with an enclosure, through the services."""
    appeal = make_appeal(**{**PERSON, **fields})
    with TestCase.captureOnCommitCallbacks(execute=True):
        handling.register_appeal(appeal, roles.registrar)
        handling.assign_appeal(appeal, roles.registrar, department=roles.department_b, executor=roles.executor_b)
        handling.save_answer_draft(appeal, roles.executor_b, text=ANSWER_TEXT,
                                   files=check_files([upload("справка Шереметьева.pdf", make_pdf())]))
        handling.submit_answer(appeal, roles.executor_b)
        results = {question.pk: ("explained", False) for question in appeal.questions.all()}
        handling.sign_answer(appeal, roles.head, signer_position="Проректор", results=results)
    appeal.refresh_from_db()
    return appeal


@pytest.fixture
def world(roles: Roles) -> WorldB:
    from tests.appeals.test_isolation import attach

    appeal = answered_in_b(roles)
    postal_appeal = answered_in_b(roles, reply_method="post")
    # The citizen answered «нет» with a mark of 1: on the heads' review list, with their words.
    feedback.ask_sent_answers()
    feedback.answer_request(SatisfactionRequest.objects.get(appeal=appeal), resolved="no", mark=1,
                            comment="Прошу пересчитать стипендию ещё раз.")
    attachment = attach(appeal)
    attachment.original_name = "паспорт Шереметьева.pdf"
    attachment.save(update_fields=["original_name"])
    message = OutgoingMessage.objects.get(appeal=appeal, kind="letters.answer")
    # An SMTP refusal names the recipient: the administrator reads the error, not the address.
    message.last_error = f"SMTPRecipientsRefused: {{'{PERSON['email']}': (550, b'5.1.1 mailbox unavailable')}}"
    message.save(update_fields=["last_error"])
    log_entry = AccessLogEntry.objects.create(user=roles.executor_b, appeal=appeal, action="download",
                                              detail=attachment.original_name)
    letter = PostalLetter.objects.get(appeal=postal_appeal, kind="answer")
    # The clerk's batch of another postal letter of department B (issue 9), built as the clerk would;
    # the answer stays in the queue for the queue's action.
    other = make_letter(postal_appeal, kind="extension", addressee=letter.addressee, text=ANSWER_TEXT)
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = postal_services.build_batch(roles.clerk, letter_ids=[other.pk])
    return WorldB(
        appeal=appeal, postal_appeal=postal_appeal, attachment=attachment,
        enclosure=AnswerFile.objects.get(answer__appeal=appeal), message=message,
        letter=letter, log_entry=log_entry, roles=roles, batch=batch,
    )


def objects_of_b(world: WorldB) -> dict[str, Model]:
    """The object of department B (or, for reference data, any object) each model's views are walked on."""
    roles = world.roles
    return {
        "appeals.Appeal": world.appeal,
        "appeals.AccessLogEntry": world.log_entry,
        "letters.PostalLetter": world.letter,
        "outbox.OutgoingMessage": world.message,
        "appeals.Department": roles.department_b,
        "appeals.StaffProfile": StaffProfile.objects.get_or_create(user=roles.head,
                                                                   defaults={"position": "Проректор"})[0],
        "classifiers.Topic": world.appeal.topic,
        "classifiers.Institution": Institution.get_current(),
        "classifiers.IntakeNote": IntakeNote.objects.first(),
        "classifiers.ExternalBody": external_body(),
        "classifiers.CalendarDay": CalendarDay.objects.get_or_create(
            date=date(2030, 1, 9), defaults={"is_working": False, "note": "приказ ректора"})[0],
        "letters.LetterTemplate": LetterTemplate.objects.get(kind="answer"),
        "letters.AnswerFragment": AnswerFragment.objects.order_by("order").first(),
        "classifiers.Cause": Cause.objects.get(title="ошибка сотрудника"),
        "classifiers.Measure": Measure.objects.get(title="замечание"),
        "feedback.SatisfactionRequest": SatisfactionRequest.objects.get(appeal=world.appeal),
        "auth.User": roles.executor_b,
        "auth.Group": Group.objects.get(name="Исполнитель"),
        # Putting executor_b into department B (the roles fixture) wrote this entry.
        "accounts.AuditEntry": AuditEntry.objects.filter(user_id=roles.executor_b.pk).first(),
        "axes.AccessAttempt": AccessAttempt.objects.create(**SIGN_IN_RECORD, get_data="", post_data="",
                                                           failures_since_start=3),
        "axes.AccessFailureLog": AccessFailureLog.objects.create(**SIGN_IN_RECORD, locked_out=False),
        "axes.AccessLog": AccessLog.objects.create(**SIGN_IN_RECORD),
        "postal.Batch": world.batch,
        "postal.MailClassDefault": MailClassDefault.objects.get(kind="answer"),
        "reports.PublicReview": PublicReview.objects.get_or_create(year=2025, quarter=4)[0],
        "suggestions.Proposal": Proposal.objects.get_or_create(
            appeal=world.appeal, kind="art11", value="part2",
            # Decided: the appeal's page recomputes its suggestions and drops a pending one no longer found.
            defaults={"reasons": ["обжалуется судебное решение: «не согласен с решением суда»"],
                      "status": "rejected"})[0],
        "suggestions.ScreeningWord": ScreeningWord.objects.get(text="идиот"),
        "publications.PublishedAnswer": PublishedAnswer.objects.create(
            topic=world.appeal.topic, title="Заселение в общежитие", question="Когда заселение?",
            answer="С 25 августа.", source_appeal=world.appeal, published_at=timezone.now()),
    }


# A sign-in at the admin by department B's executor, as django-axes records it.
SIGN_IN_RECORD = {"username": "executor_b", "ip_address": "127.0.0.1", "user_agent": "Mozilla/5.0",
                  "http_accept": "text/html", "path_info": "/admin/login/"}


def url_arguments(world: WorldB, obj: Model) -> dict[str, Any]:
    """Values for the arguments of the custom admin URLs, by argument name (`obj`: the model's object of B)."""
    return {
        "id": obj.pk,  # django.contrib.auth's user_change_password
        "appeal_id": world.appeal.pk,
        "attachment_id": world.attachment.pk,
        "file_id": world.enclosure.pk,
        "code": "extend",
        "object_id": obj.pk,  # feedback's review page
        "letter_id": world.letter.pk,
        "batch_id": world.batch.pk,
        "fmt": "csv",
        "step": "dispatch",
        "proposal_id": obj.pk,
    }


# --- the walk ----------------------------------------------------------------------------------
@dataclass
class Outcome:
    status: int
    logged: int
    ran: bool | None  # actions: whether the action got the object
    page: str  # the HTML (or text) of a 200 page, "" otherwise


@pytest.fixture
def action_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str, set[Any]]]]:
    """Record every admin action run, with the primary keys of its queryset."""
    calls: list[tuple[str, str, set[Any]]] = []

    def spy(label: str, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def action(model_admin: Any, request: Any, queryset: Any) -> Any:
            calls.append((label, name, set(queryset.values_list("pk", flat=True))))
            return func(model_admin, request, queryset)
        return action

    for model, model_admin in admin.site._registry.items():
        def get_actions(request: Any, original: Any = model_admin.get_actions, label: str = model._meta.label
                        ) -> dict[str, Any]:
            return {name: (spy(label, name, func), name, description)
                    for name, (func, name, description) in original(request).items()}
        monkeypatch.setattr(model_admin, "get_actions", get_actions)
    yield calls


def custom_urls(model_admin: admin.ModelAdmin) -> list[URLPattern]:
    info = f"{model_admin.opts.app_label}_{model_admin.opts.model_name}"
    standard = {f"{info}_{view}" for view in STANDARD_VIEWS}
    return [pattern for pattern in model_admin.get_urls()
            if isinstance(pattern, URLPattern) and pattern.name and pattern.name not in standard]


def views_of(model_admin: admin.ModelAdmin) -> list[str]:
    return [
        *STANDARD_VIEWS,
        *(f"url:{pattern.name}" for pattern in custom_urls(model_admin)),
        *(f"action:{name}" for _func, name, _description in model_admin._get_base_actions()),
    ]


def page_text(response: Any) -> str:
    if response.status_code != 200 or getattr(response, "streaming", False):
        return ""
    return response.content.decode(errors="replace")


def visit(client: Any, user: User, model_admin: admin.ModelAdmin, obj: Model, view: str, arguments: dict[str, Any],
          calls: list[tuple[str, str, set[Any]]]) -> Outcome:
    info = f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}"
    before = AccessLogEntry.objects.filter(user=user).count()
    ran: bool | None = None
    if view in ("changelist", "add"):
        response = client.get(reverse(f"{info}_{view}"))
    elif view in STANDARD_VIEWS:
        response = client.get(reverse(f"{info}_{view}", args=[obj.pk]))
    elif view.startswith("url:"):
        name = view.removeprefix("url:")
        pattern = next(p for p in custom_urls(model_admin) if p.name == name)
        needed = list(pattern.pattern.converters)  # type: ignore[attr-defined]
        missing = [key for key in needed if key not in arguments]
        if missing:
            pytest.fail(f"{view}: add a value for {missing} to url_arguments")
        response = client.get(reverse(f"admin:{name}", kwargs={key: arguments[key] for key in needed}))
    else:
        name = view.removeprefix("action:")
        calls.clear()
        response = client.post(reverse(f"{info}_changelist"),
                               {"action": name, ACTION_CHECKBOX_NAME: [obj.pk], "index": 0})
        ran = any(called == name and obj.pk in pks for _label, called, pks in calls)
    logged = AccessLogEntry.objects.filter(user=user).count() - before
    return Outcome(response.status_code, logged, ran, page_text(response))


def matches(expected: Cell, outcome: Outcome) -> bool:
    if expected == RAN:
        return bool(outcome.ran) and outcome.status in (200, 302) and outcome.logged == 0
    if outcome.ran:
        return False
    if expected == LOGGED:
        return outcome.status == 200 and outcome.logged == 1
    return outcome.status == expected and outcome.logged == 0


def describe(outcome: Outcome) -> str:
    if outcome.ran:
        return f"{RAN} ({outcome.status})"
    if outcome.logged:
        return f"{outcome.status} with {outcome.logged} access-log rows"
    return str(outcome.status)


def test_every_registered_model_has_a_row_in_the_table():
    """A model registered later without its reach written down here fails."""
    registered = {model._meta.label for model in admin.site._registry}
    assert registered == set(TABLE), (
        f"without a row: {sorted(registered - set(TABLE))}; rows of unregistered models: "
        f"{sorted(set(TABLE) - registered)}"
    )


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_walk(client, world, action_calls, role):
    user = getattr(world.roles, role)
    client.force_login(user)
    objects = objects_of_b(world)
    forbidden = {key: text for key, text in MARKERS.items() if key not in READS[role]}
    failures: list[str] = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        rows = TABLE.get(label)
        if rows is None:
            failures.append(f"{label}: no row in TABLE")
            continue
        obj = objects.get(label)
        if obj is None:
            failures.append(f"{label}: add its department-B object to objects_of_b")
            continue
        views = views_of(model_admin)
        failures += [f"{label} {view}: in TABLE but the admin has no such view" for view in rows if view not in views]
        # The actions last: they may change the object the pages show.
        for view in sorted(views, key=lambda name: name.startswith("action:")):
            expected = rows.get(view, {}).get(role)
            outcome = visit(client, user, model_admin, obj, view, url_arguments(world, obj), action_calls)
            if expected is None:
                failures.append(f"{label} {view}: not in TABLE (got {describe(outcome)})")
            elif not matches(expected, outcome):
                failures.append(f"{label} {view}: expected {expected}, got {describe(outcome)}")
            leaked = [key for key, text in forbidden.items() if text.lower() in outcome.page.lower()]
            if leaked:
                failures.append(f"{label} {view}: the page shows department B's citizen's {leaked}")
    assert not failures, f"{role}:\n" + "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_index_shows_nothing_of_department_b_beyond_the_role(client, world, role):
    client.force_login(getattr(world.roles, role))
    forbidden = [text for key, text in MARKERS.items() if key not in READS[role]]
    pages = [reverse("admin:index"), *(reverse("admin:app_list", args=[label])
                                       for label in {m._meta.app_label for m in admin.site._registry})]
    for url in pages:
        html = page_text(client.get(url)).lower()
        assert not [text for text in forbidden if text.lower() in html], url


def test_the_walk_sees_department_b_where_the_role_may(client, world):
    """The markers are really on the pages: the walk's content check can fail."""
    client.force_login(world.roles.executor_b)
    html = client.get(reverse("admin:appeals_appeal_change", args=[world.appeal.pk])).content.decode()
    assert all(text in html for key, text in MARKERS.items() if key != "answer") and ANSWER_TEXT in html
    client.force_login(world.roles.clerk)
    html = client.get(reverse("admin:letters_postalletter_change", args=[world.letter.pk])).content.decode()
    assert MARKERS["surname"] in html and MARKERS["address"] in html and MARKERS["answer"] in html
    assert Answer.objects.get(appeal=world.appeal).status == Answer.Status.SIGNED
