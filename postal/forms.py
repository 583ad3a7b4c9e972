"""The print room's forms: a batch, a roll of labels, one ШПИ, a return, the decision on a return."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from letters.models import PostalLetter
from postal.models import Batch


class BuildBatchForm(forms.Form):
    layout = forms.ChoiceField(label=_("Вид печати"), choices=Batch.Layout.choices, initial=Batch.Layout.ENVELOPES,
                               widget=forms.RadioSelect)
    # The selected letters' ids (from the queue's action), or empty for all waiting letters.
    letters = forms.CharField(widget=forms.HiddenInput, required=False)

    def letter_ids(self) -> list[int] | None:
        raw = self.cleaned_data.get("letters") or ""
        ids = [int(part) for part in raw.split(",") if part.strip().isdigit()]
        return ids or None


class TrackingForm(forms.Form):
    number = forms.CharField(label=_("ШПИ"), max_length=40,
                             help_text=_("14 цифр: индекс места приёма, месяц, номер, контрольная цифра."))
    confirmed = forms.BooleanField(
        label=_("На наклейке напечатан именно этот номер (контрольная цифра не сходится с расчётной)"),
        required=False)


class RollForm(TrackingForm):
    number = forms.CharField(label=_("Первый ШПИ рулона"), max_length=40,
                             help_text=_("Заказные письма пакета получат номера рулона по порядку."))


class ReturnForm(forms.Form):
    reason = forms.ChoiceField(label=_("Причина возврата"), choices=PostalLetter.ReturnReason.choices)
    note = forms.CharField(label=_("Отметка"), max_length=500, required=False)
    on = forms.DateField(label=_("Дата возврата"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class DecisionForm(forms.Form):
    RESEND, EMAIL, OTHER = "resend", "email", "other"
    decision = forms.ChoiceField(label=_("Решение"), widget=forms.RadioSelect, choices=[
        (RESEND, _("Отправить повторно (новое письмо в очереди, тот же текст)")),
        (EMAIL, _("Направить по электронной почте")),
        (OTHER, _("Иначе (записать, как)")),
    ])
    addressee = forms.CharField(label=_("Адресат (для повторной отправки)"), widget=forms.Textarea(attrs={"rows": 3}),
                                required=False)
    postal_index = forms.RegexField(label=_("Индекс"), regex=r"^\d{6}$", required=False,
                                    error_messages={"invalid": _("Индекс — шесть цифр.")})
    email = forms.EmailField(label=_("Электронная почта"), required=False)
    comment = forms.CharField(label=_("Как доведён ответ"), max_length=500, required=False)

    def clean(self) -> dict:
        data = super().clean() or {}
        decision = data.get("decision")
        if decision == self.EMAIL and not data.get("email"):
            self.add_error("email", _("Укажите адрес электронной почты."))
        if decision == self.OTHER and not data.get("comment"):
            self.add_error("comment", _("Запишите, как доведён ответ."))
        if decision == self.RESEND and not (data.get("addressee") or "").strip():
            self.add_error("addressee", _("Укажите адресата."))
        return data
