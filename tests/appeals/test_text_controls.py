"""Control and direction characters in what people type (issue 8, item 6).

Every text field of every form of the portal refuses control characters;
names and addresses also refuse the characters that turn text around.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from appeals import forms as citizen_forms
from appeals import staff_forms, status_forms
from appeals.forms import AppealForm, PortalForm
from appeals.models import Appeal, Draft
from appeals.validators import validate_multi_line_text, validate_no_direction_controls, validate_single_line_text
from tests import roles as role_fixtures
from tests.factories import form_data

roles = role_fixtures.roles
pytestmark = pytest.mark.django_db

BEL, ESC, DEL, C1_CSI = "\x07", "\x1b", "\x7f", "\x9b"
# Every control character but NUL (Django's own validator refuses that one).
SINGLE_LINE_CONTROLS = [chr(c) for c in (*range(0x01, 0x20), *range(0x7F, 0xA0))]
MULTI_LINE_CONTROLS = [c for c in SINGLE_LINE_CONTROLS if c not in "\t\n\r"]
DIRECTION_CONTROLS = [
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",  # embeddings and overrides
    "\u2066", "\u2067", "\u2068", "\u2069",  # isolates
    "\u200e", "\u200f", "\u061c",  # LRM, RLM, ALM
]
NAME_FIELDS = ("last_name", "first_name", "patronymic", "address")


def codes(form: forms.BaseForm, field: str) -> list[str | None]:
    form.is_valid()
    return [error.code for error in form.errors.as_data().get(field, [])]


def portal_form_classes() -> list[type[forms.BaseForm]]:
    """Every form class of the three modules: a form added later is tested without being listed."""
    found = []
    for module in (citizen_forms, status_forms, staff_forms):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__ and cls is not PortalForm:
                found.append(cls)
    return found


def build(cls: type[forms.BaseForm], data: dict[str, Any], appeal: Appeal, user: Any) -> forms.BaseForm:
    if issubclass(cls, staff_forms.StepForm):
        return cls(data, appeal=appeal, user=user)
    return cls(data)


@pytest.mark.parametrize("char", SINGLE_LINE_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_single_line_text_refuses_every_control_character(char):
    with pytest.raises(ValidationError) as exc:
        validate_single_line_text(f"Иванова{char}Мария")
    assert exc.value.code == "control_character"
    assert f"U+{ord(char):04X}" in exc.value.messages[0] and "знак № 8" in exc.value.messages[0]


@pytest.mark.parametrize("char", MULTI_LINE_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_multi_line_text_refuses_control_characters_but_tab_and_line_breaks(char):
    validate_multi_line_text("Первая строка.\r\nВторая\tстрока.\nТретья.")
    with pytest.raises(ValidationError) as exc:
        validate_multi_line_text(f"Текст{char}")
    assert exc.value.code == "control_character"


@pytest.mark.parametrize("char", DIRECTION_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_names_refuse_direction_controls(char):
    with pytest.raises(ValidationError) as exc:
        validate_no_direction_controls(f"Иванова {char}авориам")
    assert exc.value.code == "direction_control"


def test_ordinary_names_addresses_and_texts_pass():
    for value in ("Салтыков-Щедрин", "д'Артаньян", "Ёлкина", "г. Москва, ул. Остоженка, д. 1, кв. 2", "№ 5 «А»"):
        validate_single_line_text(value)
        validate_no_direction_controls(value)


def test_every_text_field_of_every_form_refuses_a_bell_and_an_escape(roles):
    """The citizen's form, the status page, the paper-appeal entry and every staff step."""
    appeal = roles.appeal("in_work")
    checked: list[str] = []
    for cls in portal_form_classes():
        assert issubclass(cls, citizen_forms.SafeTextMixin), f"{cls.__name__} lacks the shared text checks"
        probe = build(cls, {}, appeal, roles.head)
        text_fields = [name for name, field in probe.fields.items() if isinstance(field, forms.CharField)]
        for name in text_fields:
            for char in (BEL, ESC, C1_CSI):
                form = build(cls, {name: f"Текст{char}текст"}, appeal, roles.head)
                assert "control_character" in codes(form, name), (cls.__name__, name, char)
            checked.append(f"{cls.__name__}.{name}")
    # The forms the issue names are among them.
    for expected in ("AppealForm.text", "AppealForm.last_name", "StatusLoginForm.number", "WithdrawForm.comment",
                     "EntryForm.address", "LinkForm.numbers", "DraftAnswerForm.text", "SignAnswerForm.signer_name"):
        assert expected in checked


def test_names_and_addresses_refuse_direction_controls_in_the_citizens_and_the_entry_form():
    for cls in (AppealForm, staff_forms.EntryForm):
        for name in NAME_FIELDS:
            form = cls({**form_data(), name: "Иванова \u202eавориам"})
            assert "direction_control" in codes(form, name), (cls.__name__, name)
    # The text of the appeal may quote right-to-left writing.
    form = AppealForm({**form_data(), "text": "Цитата: \u202bשלום\u202c."})
    assert "text" not in form.errors


def test_the_citizen_sees_the_error_next_to_the_field_and_keeps_what_was_typed(client):
    response = client.post(reverse("appeals:form"), form_data(last_name="Иванова\x07", text="Текст\x1b[31m обращения"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Текст содержит невидимый управляющий символ (U+0007, знак № 8)" in html
    assert "Текст содержит невидимый управляющий символ (U+001B, знак № 6)" in html
    # The message is the field's own, under its input (crispy's invalid-feedback block).
    assert re.search(r'<span id="error_1_id_last_name"><strong>Текст содержит невидимый управляющий символ', html)
    assert "[31m обращения" in html  # the text is kept
    assert not Draft.objects.exists()


def test_a_reversed_name_cannot_be_submitted(client):
    response = client.post(reverse("appeals:form"), form_data(first_name="\u202eяираМ"))
    html = response.content.decode()
    assert "напечататься задом наперёд" in html
    assert not Draft.objects.exists()
