"""The citizen's appeal form (DESIGN.md section 2): it validates and normalises, nothing more."""

from __future__ import annotations

from typing import Any, cast

from captcha.fields import CaptchaField, CaptchaTextInput
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import EmailValidator
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise, lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from appeals import attachments
from appeals.models import APPLICANT_FIELDS, COAUTHOR_FIELDS, AppealKind, Attachment, ReplyMethod
from appeals.validators import (
    normalize_phone,
    validate_multi_line_text,
    validate_national_email_zone,
    validate_no_direction_controls,
    validate_postal_index,
    validate_single_line_text,
)
from classifiers.models import Topic


def _required(message: str | Promise) -> dict[str, Any]:
    return {"required": message}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that returns a list; each file is checked by the form, one by one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,application/pdf,image/jpeg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [f for f in files if f]


class TopicChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Topic) -> str:
        return obj.label


class SafeTextMixin:
    """Refuse control characters in every text field, and direction controls in names and addresses.

    Every form of the portal, the citizen's and the officials', has this in
    its bases, so a field added later is checked without anyone remembering
    to: the validators are added to each text field of the form's own copy.
    """

    fields: dict[str, forms.Field]
    # Fields printed as a person's name or a postal address (letters, envelopes, the admin).
    direction_checked_fields: tuple[str, ...] = ()

    def full_clean(self) -> None:
        # Added here rather than in __init__: some forms add fields after
        # their own super().__init__(), and those are checked too.
        if not getattr(self, "_text_validators_added", False):
            self._text_validators_added = True
            for name, field in self.fields.items():
                if isinstance(field, forms.CharField):
                    multiline = isinstance(field.widget, forms.Textarea)
                    field.validators.append(validate_multi_line_text if multiline else validate_single_line_text)
                if name in self.direction_checked_fields:
                    field.validators.append(validate_no_direction_controls)
        super().full_clean()  # type: ignore[misc]  # forms.Form, next in the MRO


class PortalForm(SafeTextMixin, forms.Form):
    """The base of the portal's forms."""


class ApplicantNamesMixin:
    """Fold runs of white space in the name and the address: what is printed on envelopes."""

    cleaned_data: dict[str, Any]
    direction_checked_fields: tuple[str, ...] = ("last_name", "first_name", "patronymic", "address")

    def _folded(self, name: str) -> str:
        return " ".join(self.cleaned_data[name].split())

    def clean_last_name(self) -> str:
        return self._folded("last_name")

    def clean_first_name(self) -> str:
        return self._folded("first_name")

    def clean_patronymic(self) -> str:
        return self._folded("patronymic")

    def clean_address(self) -> str:
        return self._folded("address")


# --- collective appeals (issue 10 item 5) --------------------------------------
class CoAuthorForm(ApplicantNamesMixin, PortalForm):
    """One more author of a collective appeal: the name and the postal address (art. 7 part 1)."""

    # Labels of their own: the applicant's «Фамилия» stays the only one of that name on the page.
    last_name = forms.CharField(label=_("Фамилия соавтора"), max_length=100, required=False)
    first_name = forms.CharField(label=_("Имя соавтора"), max_length=100, required=False)
    patronymic = forms.CharField(label=_("Отчество соавтора"), max_length=100, required=False)
    address = forms.CharField(label=_("Адрес соавтора"), max_length=500, required=False)
    postal_index = forms.CharField(label=_("Индекс соавтора"), max_length=6, required=False,
                                   widget=forms.TextInput(attrs={"inputmode": "numeric"}))

    def clean_postal_index(self) -> str:
        value = self.cleaned_data["postal_index"].strip()
        if value:
            validate_postal_index(value)
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(name) for name in COAUTHOR_FIELDS):
            return cleaned  # a blank row: nobody
        for name, message in (("last_name", _("Укажите фамилию соавтора.")),
                              ("first_name", _("Укажите имя соавтора.")),
                              ("address", _("Укажите почтовый адрес соавтора."))):
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, message)
        return cleaned

    def row(self) -> dict[str, str] | None:
        """The co-author as the draft keeps it, or None for a blank row."""
        data = {name: self.cleaned_data.get(name, "") for name in COAUTHOR_FIELDS}
        return data if any(data.values()) else None


MAX_COAUTHORS = 50


class BaseCoAuthorFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict[str, str]]:
        return [row for form in self.forms if (row := form.row()) is not None]


CoAuthorFormSet = forms.formset_factory(
    CoAuthorForm, formset=BaseCoAuthorFormSet, extra=1, max_num=MAX_COAUTHORS, validate_max=True,
    absolute_max=MAX_COAUTHORS + 5,
)
COAUTHORS_PREFIX = "coauthors"
# The button that adds a row without JavaScript: the form comes back with what was typed.
ADD_COAUTHOR = "add_coauthor"


class CoAuthorsMixin:
    """A form with the co-authors' formset inside it: valid only when every row is.

    `coauthors` in cleaned_data is the list of filled rows; an empty list is an
    individual appeal.
    """

    is_bound: bool
    data: Any
    coauthors: BaseCoAuthorFormSet

    def _init_coauthors(self) -> None:
        # The rows given (a draft's, or typed before "add a co-author") and one blank row after them.
        rows = list(getattr(self, "initial", {}).get("coauthors") or [])
        # A post without the formset's management fields (an older page, a
        # script) has no co-authors rather than a broken form.
        posted = self.is_bound and f"{COAUTHORS_PREFIX}-TOTAL_FORMS" in self.data
        self.coauthors = cast(BaseCoAuthorFormSet, CoAuthorFormSet(
            self.data if posted else None, initial=rows or None, prefix=COAUTHORS_PREFIX,
        ))

    def clean_coauthors(self, cleaned: dict[str, Any]) -> None:
        if not self.coauthors.is_bound:
            cleaned["coauthors"] = []
        elif self.coauthors.is_valid():
            cleaned["coauthors"] = self.coauthors.rows()
        else:
            cleaned["coauthors"] = []
            self.add_error(None, ValidationError(  # type: ignore[attr-defined]
                _("Проверьте данные соавторов: ошибки указаны рядом с полями."), code="coauthors"))

    def coauthor_errors(self) -> list[tuple[str, str, str]]:
        items: list[tuple[str, str, str]] = []
        for number, form in enumerate(self.coauthors.forms, start=1):
            for field in form:
                items.extend((field.id_for_label, f"{_('Соавтор')} {number}: {field.label}", str(error))
                             for error in field.errors)
        items.extend(("coauthors", str(_("Соавторы")), str(error)) for error in self.coauthors.non_form_errors())
        return items


def coauthor_rows_from(data: Any) -> list[dict[str, str]]:
    """The co-authors typed in a POST, unchecked: to give them back in the form (rate limit, "add a row")."""
    try:
        total = min(int(data.get(f"{COAUTHORS_PREFIX}-TOTAL_FORMS", 0)), MAX_COAUTHORS)
    except (TypeError, ValueError):
        total = 0
    rows = []
    for index in range(total):
        row = {name: str(data.get(f"{COAUTHORS_PREFIX}-{index}-{name}", ""))[:500] for name in COAUTHOR_FIELDS}
        if any(value.strip() for value in row.values()):
            rows.append(row)
    return rows


def consent_label() -> str:
    """The institution's own wording of the consent box, if it has one."""
    from classifiers.models import Institution

    return Institution.objects.filter(pk=Institution.SINGLETON_PK).values_list("consent_label", flat=True).first() \
        or ""


class AppealForm(CoAuthorsMixin, ApplicantNamesMixin, PortalForm):
    """Every field of the institution's form, in its order, with Russian messages."""

    last_name = forms.CharField(label=_("Фамилия"), max_length=100, error_messages=_required(_("Укажите фамилию.")))
    first_name = forms.CharField(label=_("Имя"), max_length=100, error_messages=_required(_("Укажите имя.")))
    patronymic = forms.CharField(
        label=_("Отчество"), max_length=100, required=False, help_text=_("Если есть.")
    )
    address = forms.CharField(
        label=_("Адрес (субъект РФ, населённый пункт, улица, дом, кв.)"),
        max_length=500,
        error_messages=_required(_("Укажите почтовый адрес: на него придёт ответ, если вы выберете почту.")),
    )
    postal_index = forms.CharField(
        label=_("Индекс"),
        max_length=6,
        validators=[validate_postal_index],
        error_messages=_required(_("Укажите почтовый индекс.")),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    phone = forms.CharField(
        label=_("Телефон"),
        max_length=32,
        error_messages=_required(_("Укажите номер телефона.")),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.CharField(
        label=_("Электронная почта"),
        max_length=254,
        error_messages=_required(_("Укажите адрес электронной почты.")),
        help_text=_("На этот адрес придёт письмо для подтверждения, затем уведомления и ответ."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    reply_method = forms.ChoiceField(
        label=_("Способ получения ответа"),
        choices=ReplyMethod.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Выберите, как вы хотите получить ответ.")),
    )
    topic = TopicChoiceField(
        label=_("Тематика"),
        queryset=Topic.objects.none(),
        empty_label=_("— выберите тематику —"),
        error_messages={
            "required": _("Выберите тематику обращения."),
            "invalid_choice": _("Эта тематика больше не принимается. Выберите другую."),
        },
    )
    kind = forms.ChoiceField(
        label=_("Вид обращения"),
        choices=AppealKind.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Выберите вид обращения.")),
    )
    text = forms.CharField(
        label=_("Суть обращения"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages=_required(_("Изложите суть предложения, заявления или жалобы.")),
        help_text=_(
            "Изложите суть предложения, заявления или жалобы (ч. 1 ст. 7 Федерального закона № 59-ФЗ). "
            "Рекомендуем указать адрес места описанного действия, факта или события."
        ),
    )
    attachments = MultipleFileField(
        label=_("Прикрепить файл"),
        required=False,
        help_text=format_lazy(
            _("PDF, JPG или JPEG; можно несколько файлов, всего не более {}."),
            lazy(filesizeformat, str)(attachments.MAX_TOTAL_BYTES),  # in the language of the request
        ),
    )
    remove_attachments = forms.ModelMultipleChoiceField(
        label=_("Убрать из обращения"),
        queryset=Attachment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    organisation = forms.CharField(
        label=_("Организация или объединение граждан"), max_length=300, required=False,
        help_text=_("Если вы пишете от имени организации или объединения граждан."),
    )
    consent = forms.BooleanField(
        # «обращений»: the word of 59-FZ; the institution's own wording, if
        # any, is in its notes above the form (IntakeNote).
        label=_("Я согласен с порядком передачи и рассмотрения обращений"),
        help_text=_("В том числе на обработку персональных данных для рассмотрения обращения (152-ФЗ)."),
        error_messages=_required(_("Без согласия обращение не может быть отправлено.")),
    )
    captcha = CaptchaField(
        label=_("Введите символы с картинки"),
        # The group's caption is a <legend>, which names no input: the answer
        # box needs a name of its own for screen readers.
        widget=CaptchaTextInput(attrs={"aria-label": _("Введите символы с картинки")}),
        error_messages={"invalid": _("Символы введены неверно. Введите символы с новой картинки.")},
    )
    # Honeypot: hidden from people (CSS and aria-hidden), filled in by bots.
    website = forms.CharField(
        label=_("Не заполняйте это поле"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(
        self,
        *args: Any,
        kept: list[Attachment] | None = None,
        dropped_uploads: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._init_coauthors()
        own_consent = consent_label()
        if own_consent:
            self.fields["consent"].label = own_consent
        self.kept = kept or []
        self.dropped_uploads = dropped_uploads or []
        # Files that passed their checks: kept with the draft even when another field fails.
        self.accepted_files: list[tuple[UploadedFile, attachments.CheckedFile]] = []
        # Files given again with the same content as one already attached: not stored twice.
        self.duplicate_names: list[str] = []
        cast(forms.ModelChoiceField, self.fields["topic"]).queryset = Topic.objects.offered()
        # The kept files are listed with their own checkboxes (kept_files.html).
        cast(forms.ModelMultipleChoiceField, self.fields["remove_attachments"]).queryset = Attachment.objects.filter(
            pk__in=[a.pk for a in self.kept]
        )
        self.helper = self._helper()

    def _helper(self) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.layout = Layout(
            Fieldset(
                _("Введите ваши персональные данные"),
                Div(Field("last_name", autocomplete="family-name"), css_class="col-md-4"),
                Div(Field("first_name", autocomplete="given-name"), css_class="col-md-4"),
                Div(Field("patronymic", autocomplete="additional-name"), css_class="col-md-4"),
                css_class="row",
            ),
            Fieldset(
                _("Контактная информация"),
                Field("address", autocomplete="street-address"),
                Div(Div("postal_index", css_class="col-md-3"), Div("phone", css_class="col-md-4"), css_class="row"),
                "email",
                "reply_method",
            ),
            # Collective appeals: the co-authors' rows (a formset) and the organisation.
            HTML('{% include "appeals/includes/coauthors.html" %}'),
            Fieldset(
                _("Содержание обращения"),
                "topic",
                "kind",
                "text",
                HTML('{% include "appeals/includes/kept_files.html" %}'),
                "attachments",
            ),
            Div("website", css_class="hp-field", aria_hidden="true"),
            "consent",
            # The captcha is rendered apart (form.html): it differs on every
            # page, while the rest of a blank form can come from the cache.
        )
        return helper

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(anchor id, label, message) for each error, for the summary above the form.

        A radio group has no single id; its first option is where the link leads.
        """
        items: list[tuple[str, str, str]] = []
        for field in self:
            anchor = field.id_for_label or f"{field.auto_id}_0"
            items.extend((anchor, str(field.label), str(error)) for error in field.errors)
        items.extend(self.coauthor_errors())
        return items

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.clean_coauthors(cleaned)
        return cleaned

    def clean_organisation(self) -> str:
        return " ".join(self.cleaned_data["organisation"].split())

    # --- fields -------------------------------------------------------------
    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        EmailValidator(message=_("Проверьте адрес электронной почты: например, ivanov@mail.ru."))(email)
        validate_national_email_zone(email)
        local, domain = email.rsplit("@", 1)
        return f"{local}@{domain.lower()}"

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise ValidationError(_("Изложите суть предложения, заявления или жалобы."), code="required")
        return text

    def clean_attachments(self) -> list[UploadedFile]:
        """Check each new file by content; keep those that pass, report the others by name."""
        uploads: list[UploadedFile] = self.cleaned_data["attachments"]
        errors: list[ValidationError] = [
            ValidationError(
                _("Файл «%(name)s» не принят: вместе с другими файлами он больше %(limit)s."),
                code="total_too_large",
                params={
                    "name": attachments.short_file_name(name),
                    "limit": filesizeformat(attachments.MAX_TOTAL_BYTES),
                },
            )
            for name in self.dropped_uploads
        ]
        removed = {a.pk for a in self.data_removed_attachments()}
        total = sum(a.size for a in self.kept if a.pk not in removed)
        count = len(self.kept) - len(removed)
        # The same content attached again (after an error the citizen often
        # chooses the file anew): kept once, not counted twice against the limits.
        have = {a.sha256 for a in self.kept if a.pk not in removed}
        for upload in uploads:
            try:
                checked = attachments.check_attachment(upload)
                digest = attachments.content_digest(upload, checked)
                if digest in have:
                    self.duplicate_names.append(attachments.short_file_name(upload.name or ""))
                    continue
                if count + 1 > attachments.MAX_FILES:
                    raise ValidationError(
                        _("Файл «%(name)s» не принят: можно приложить не более %(max)s файлов."),
                        code="too_many_files",
                        params={"name": attachments.short_file_name(upload.name or ""), "max": attachments.MAX_FILES},
                    )
                attachments.check_total_size([total, checked.size])
            except ValidationError as exc:
                if exc.code == "total_too_large":
                    exc = ValidationError(
                        _("Файл «%(name)s» (%(size)s) не принят: всего можно приложить не более %(limit)s, "
                          "уже приложено %(total)s."),
                        code="total_too_large",
                        params={"name": attachments.short_file_name(upload.name or ""),
                                "size": filesizeformat(upload.size or 0),
                                "limit": filesizeformat(attachments.MAX_TOTAL_BYTES),
                                "total": filesizeformat(total)},
                    )
                errors.append(exc)
                continue
            self.accepted_files.append((upload, checked))
            have.add(digest)
            total += checked.size
            count += 1
        if errors:
            raise ValidationError(errors)
        return uploads

    def data_removed_attachments(self) -> list[Attachment]:
        """The kept files the citizen ticked for removal (read even when the form is invalid)."""
        if not self.is_bound or not self.kept:
            return []
        field = self.fields["remove_attachments"]
        raw = field.widget.value_from_datadict(self.data, self.files, self.add_prefix("remove_attachments"))
        try:
            return list(field.clean(raw))
        except ValidationError:
            return []

    def clean_website(self) -> str:
        return self.cleaned_data["website"].strip()

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get(self.add_prefix("website"), "").strip())


def draft_data(cleaned: dict[str, Any]) -> dict[str, Any]:
    """The form's values as JSON for the draft (the topic by id)."""
    data = {name: cleaned[name] for name in APPLICANT_FIELDS}
    data["topic"] = cleaned["topic"].pk
    data["organisation"] = cleaned.get("organisation", "")
    data["coauthors"] = cleaned.get("coauthors", [])
    return data


class ConfirmationCodeForm(PortalForm):
    code = forms.CharField(
        label=_("Код из письма"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={
            "required": _("Введите код из письма."),
            "min_length": _("Код состоит из шести цифр."),
            "max_length": _("Код состоит из шести цифр."),
        },
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise ValidationError(_("Код состоит из шести цифр."), code="invalid")
        return code
