"""The citizen's answer to «Ответ решил ваш вопрос?», the code from a postal answer, the head's review."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.models import SatisfactionRequest

MARK_CHOICES = [("", _("без оценки")), *((str(mark), str(mark)) for mark in range(1, 6))]


def mark_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Оценка ответа от 1 (плохо) до 5 (отлично)"), choices=MARK_CHOICES, coerce=int, empty_value=None,
        required=False, widget=forms.RadioSelect,
    )


def comment_field() -> forms.CharField:
    return forms.CharField(
        label=_("Комментарий"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Не обязательно. Что осталось нерешённым, что было удобно или неудобно."),
    )


class SatisfactionForm(forms.Form):
    resolved = forms.ChoiceField(
        label=_("Ответ решил ваш вопрос?"), choices=SatisfactionRequest.Resolved.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Выберите один из ответов: да, частично или нет."),
                        "invalid_choice": _("Выберите один из ответов: да, частично или нет.")},
    )
    mark = mark_field()
    comment = comment_field()


class DetailsForm(forms.Form):
    mark = mark_field()
    comment = comment_field()

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("mark") is None and not (data.get("comment") or "").strip():
            raise forms.ValidationError(_("Поставьте оценку или напишите комментарий."), code="empty")
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Код оценки ответа"), max_length=20,
        help_text=_("Напечатан в конце письма с ответом, например K7P2-M4QR."),
        error_messages={"required": _("Введите код из письма с ответом.")},
    )


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Что сделано"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        error_messages={"required": _("Опишите, что сделано.")},
    )
