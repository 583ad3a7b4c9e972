"""Letters that end consideration without an answer on the merits tell of the right to appeal (59-FZ art. 5 item 4)."""

from __future__ import annotations

import importlib

import pytest

from letters.defaults import ENDS_WITHOUT_ANSWER, SHIPPED
from letters.services import render_letter
from tests.letters.conftest import full_context
from tests.migrations import back_to_the_latest_state, migrate  # noqa: F401 (the fixture)

RIGHT = "в административном и (или) судебном порядке"
ITEM = "пункт 4 статьи 5 Федерального закона № 59-ФЗ"
# The kinds this issue gave the sentence to; the others (part 5, part 6, the answer) had it already.
NEW_KINDS = ("redirect", "complaint_returned", "art11_part2", "art11_part3", "art11_part4", "art11_part4_1",
             "art11_part5_1")
migration = importlib.import_module("letters.migrations.0004_law_appeal_right")
# Migration 0008 added the citation of a body that sent the appeal on; 0004 wrote the texts without it.
uncite = importlib.import_module("letters.migrations.0008_redirected_source_citation").uncite


@pytest.mark.parametrize("kind", [*ENDS_WITHOUT_ANSWER, "answer"])
def test_every_letter_without_an_answer_on_the_merits_tells_of_the_right_to_appeal(kind):
    body = SHIPPED[kind][1]
    assert RIGHT in body and ITEM in body


def test_the_list_holds_every_notice_that_ends_consideration():
    # Redirect (art. 8 part 3), the return of art. 8 part 7 and every art. 11 notice to the citizen.
    art11_notices = {kind for kind in SHIPPED if kind.startswith("art11_") and kind != "art11_part1_forward"}
    assert set(ENDS_WITHOUT_ANSWER) == {"redirect", "complaint_returned", *art11_notices}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ENDS_WITHOUT_ANSWER)
def test_the_rendered_letter_says_it(appeal, kind):
    letter = render_letter(kind, full_context(appeal))
    assert ITEM in letter.body


def test_the_migration_carries_the_new_texts_and_the_old_ones_frozen():
    assert set(migration.AFTER) == set(migration.BEFORE) == set(NEW_KINDS)
    for kind in NEW_KINDS:
        assert migration.AFTER[kind] == uncite(SHIPPED[kind][1])
        assert ITEM not in migration.BEFORE[kind]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("back_to_the_latest_state")
class TestTheDataMigration:
    def test_it_updates_texts_as_shipped_keeps_edited_ones_and_goes_back(self):
        old = migrate(("letters", "0003_copies_and_returned_complaints"))
        Template = old.get_model("letters", "LetterTemplate")
        # An installation made before: the previous shipped texts, one of them edited by its administrator.
        for kind in NEW_KINDS:
            Template.objects.filter(kind=kind).update(body=migration.BEFORE[kind])
        edited = migration.BEFORE["art11_part3"] + "\n\nДописано администратором."
        Template.objects.filter(kind="art11_part3").update(body=edited)

        new = migrate(("letters", "0004_law_appeal_right"))
        bodies = dict(new.get_model("letters", "LetterTemplate").objects.values_list("kind", "body"))
        for kind in set(NEW_KINDS) - {"art11_part3"}:
            assert uncite(bodies[kind]) == uncite(SHIPPED[kind][1])
        assert bodies["art11_part3"] == edited
        assert uncite(bodies["answer"]) == uncite(SHIPPED["answer"][1])

        back = migrate(("letters", "0003_copies_and_returned_complaints"))
        bodies = dict(back.get_model("letters", "LetterTemplate").objects.values_list("kind", "body"))
        for kind in set(NEW_KINDS) - {"art11_part3"}:
            assert bodies[kind] == migration.BEFORE[kind]
        assert bodies["art11_part3"] == edited
