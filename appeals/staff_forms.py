"""The officials' small forms: one per step of services.handling, plus the entry of paper appeals.

They validate and normalise, nothing more: the step itself, with its checks
of state and rights, is the service's (appeals.services.handling).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import EmailValidator
from django.db.models import Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals import attachments
from appeals.forms import ApplicantNamesMixin, CoAuthorsMixin, MultipleFileField, PortalForm, TopicChoiceField
from appeals.models import (
    Answer,
    AnswerAutosave,
    AnswerFile,
    Appeal,
    AppealKind,
    Art11Case,
    Attachment,
    Channel,
    Department,
    DocumentRequest,
    QuestionResult,
    ReplyMethod,
    StaffProfile,
)
from appeals.services import access, authorship, handling, worklists
from appeals.validators import normalize_phone, validate_postal_index
from classifiers.codes import QUESTION_LEVEL
from classifiers.models import Cause, ExternalBody, Measure, Topic
from letters.models import AnswerFragment

User = get_user_model()

COMMENT_WIDGET = forms.Textarea(attrs={"rows": 3, "cols": 80})
# Results the signer chooses from: the others are set by the steps themselves
# (redirect, article 11, withdrawal) or mean "not yet considered".
SIGN_RESULTS = [
    (value, label) for value, label in QuestionResult.choices
    if value not in {QuestionResult.IN_PROGRESS, QuestionResult.REDIRECTED, QuestionResult.NO_ANSWER}
]
# Part 5 (termination of correspondence) is the head's step of its own.
ART11_CHOICES = [(value, label) for value, label in Art11Case.choices if value != Art11Case.TERMINATED]
ENTRY_CHANNELS = [(value, label) for value, label in Channel.choices if value != Channel.SITE]


def comment_field(*, required: bool = False, label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Комментарий"), required=required, widget=COMMENT_WIDGET, max_length=5000,
        error_messages={"required": _("Заполните это поле.")},
    )


class StaffChoiceField(forms.ModelChoiceField):
    """A member of staff shown by name and login."""

    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


def department_members() -> QuerySet[Any]:
    return User.objects.filter(is_active=True, departments__is_active=True).distinct().order_by(
        "last_name", "first_name", "username"
    )


class StepForm(PortalForm):
    """A step's form: it knows the appeal and the acting official."""

    def __init__(self, *args: Any, appeal: Appeal, user: Any, **kwargs: Any) -> None:
        self.appeal = appeal
        self.user = user
        super().__init__(*args, **kwargs)


class TopicsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Topic) -> str:
        return obj.label


class RegisterForm(StepForm):
    questions = TopicsChoiceField(
        label=_("Дополнительные вопросы"), required=False, queryset=Topic.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Вопрос тематики обращения учитывается всегда; выберите другие вопросы, если они есть."),
    )
    comment = comment_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["questions"])
        field.queryset = Topic.objects.filter(level=QUESTION_LEVEL, is_active=True).exclude(
            pk=self.appeal.topic_id
        ).order_by("-is_offered", "sort_order", "code")


def department_of_executor(cleaned: dict[str, Any], form: forms.Form) -> None:
    """Fill the department from the executor when it is left empty and the executor is in one department only.

    Choosing the executor is then the whole choice (issue 10: fewer clicks);
    an executor of several departments still needs the department named.
    """
    department, executor = cleaned.get("department"), cleaned.get("executor")
    if department is None and executor is not None:
        departments = list(executor.departments.filter(is_active=True)[:2])
        if len(departments) == 1:
            cleaned["department"] = department = departments[0]
    if department is None and "department" not in form.errors:
        form.add_error("department", _("Выберите подразделение.") if executor is None else
                       _("Исполнитель состоит в нескольких подразделениях: выберите подразделение."))
    if department is not None and executor is not None \
            and not executor.departments.filter(pk=department.pk).exists():
        form.add_error("executor", _("Исполнитель не состоит в выбранном подразделении."))


class AssignForm(StepForm):
    department = forms.ModelChoiceField(
        label=_("Подразделение"), queryset=Department.objects.filter(is_active=True), required=False,
        help_text=_("Можно не выбирать, если исполнитель состоит в одном подразделении."),
    )
    executor = StaffChoiceField(
        label=_("Исполнитель"), required=False, queryset=User.objects.none(),
        help_text=_("Сотрудник выбранного подразделения; можно не указывать."),
    )
    comment = comment_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["executor"]).queryset = department_members()
        if self.appeal.department_id and not self.is_bound:
            self.initial.setdefault("department", self.appeal.department_id)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        department_of_executor(cleaned, self)
        return cleaned


class RegisterAssignForm(AssignForm):
    """Register and send on in one form: the department and executor first, the extra questions after."""

    questions = RegisterForm.base_fields["questions"]
    field_order = ("department", "executor", "questions", "comment")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["questions"])
        field.queryset = Topic.objects.filter(level=QUESTION_LEVEL, is_active=True).exclude(
            pk=self.appeal.topic_id
        ).order_by("-is_offered", "sort_order", "code")


class RedirectForm(StepForm):
    body = forms.ModelChoiceField(
        label=_("Орган (организация)"), queryset=ExternalBody.objects.filter(is_active=True),
        error_messages={"required": _("Выберите орган, в компетенцию которого входит решение вопросов.")},
    )
    comment = comment_field()


class CopiesForm(StepForm):
    bodies = forms.ModelMultipleChoiceField(
        label=_("Органы, которым направляются копии"), queryset=ExternalBody.objects.filter(is_active=True),
        help_text=_("Ч. 4 ст. 8: когда вопросы обращения относятся к компетенции нескольких органов."),
        error_messages={"required": _("Выберите органы, которым направляются копии.")},
    )
    comment = comment_field()


class ReturnComplaintForm(StepForm):
    comment = comment_field(required=True, label=_("Почему жалобу некому направить"))


# Apps beside the core (publications) offer the published pages an official
# may choose for art. 11 part 5.1: each callable takes the appeal and returns
# (page address, label) pairs. The core imports none of them.
PUBLISHED_PAGE_SOURCES: list[Callable[[Appeal], list[tuple[str, str]]]] = []


class Art11Form(StepForm):
    case = forms.ChoiceField(
        label=_("Основание"), choices=ART11_CHOICES, error_messages={"required": _("Выберите основание.")},
    )
    comment = comment_field(required=True, label=_("В чём состоит основание"))
    part1_reason = comment_field(label=_("Почему указанное не является настоящей фамилией или адресом"))
    published_page = forms.ChoiceField(
        label=_("Опубликованный ответ"), required=False, choices=[],
        help_text=_("Только для ч. 5.1 ст. 11: выберите ответ, размещённый на сайте; его адрес войдёт в "
                    "уведомление. Похожие по тексту обращения — первыми."),
    )
    published_url = forms.URLField(
        label=_("Адрес страницы с ответом"), required=False, assume_scheme="https",
        help_text=_("Только для ч. 5.1 ст. 11: ответ размещён на официальном сайте."),
    )
    forward_to = forms.ModelChoiceField(
        label=_("Направить в правоохранительный орган"), required=False,
        queryset=ExternalBody.objects.filter(is_active=True, is_law_enforcement=True),
        help_text=_("Только для ч. 1 ст. 11: обращение сообщает о подготавливаемом или совершённом "
                    "противоправном деянии."),
    )
    notify = forms.BooleanField(
        label=_("Уведомить заявителя"), required=False, initial=True,
        help_text=_("Для ч. 4 ст. 11: уведомление направляется, если фамилия и почтовый адрес поддаются "
                    "прочтению."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Part 1 is for an appeal without a surname or an address for the answer; one that has both
        # gets it only with the reason why they are not real, kept in the history.
        self.part1_missing = handling.part1_missing(self.appeal)
        field = self.fields["part1_reason"]
        if self.part1_missing:
            field.help_text = _("Только для ч. 1 ст. 11. В обращении не указаны: %(missing)s.") % {
                "missing": ", ".join(str(item) for item in self.part1_missing)}
        else:
            field.help_text = _("Обязательно для ч. 1 ст. 11: фамилия и адрес для ответа в обращении указаны, "
                                "поэтому объясните, почему указанное не является настоящей фамилией или адресом.")
        pages = [page for source in PUBLISHED_PAGE_SOURCES for page in source(self.appeal)]
        if pages:
            cast(forms.ChoiceField, self.fields["published_page"]).choices = [("", "—"), *pages]
        else:
            del self.fields["published_page"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        case = cleaned.get("case")
        if case == Art11Case.NO_NAME_OR_ADDRESS and not self.part1_missing \
                and not (cleaned.get("part1_reason") or "").strip():
            self.add_error("part1_reason", _("Фамилия и адрес для ответа в обращении указаны: объясните, почему "
                                             "указанное не является настоящей фамилией или адресом."))
        if case == Art11Case.PUBLISHED and cleaned.get("published_page"):
            # The chosen page's address is the one the notice gives.
            cleaned["published_url"] = cleaned["published_page"]
        if case == Art11Case.PUBLISHED and not cleaned.get("published_url"):
            self.add_error("published_url", _("Укажите адрес страницы сайта, где размещён ответ (ч. 5.1 ст. 11)."))
        if cleaned.get("forward_to") is not None and case != Art11Case.NO_NAME_OR_ADDRESS:
            self.add_error("forward_to", _("В правоохранительный орган направляется только обращение без фамилии "
                                           "или адреса (ч. 1 ст. 11)."))
        return cleaned


class TerminateForm(StepForm):
    comment = comment_field(required=True, label=_("Почему в обращении нет новых доводов"))

    def earlier_answers(self) -> list[authorship.EarlierAnswer]:
        """The linked appeals and whether each counts for art. 11 part 5: what the head decides on."""
        return authorship.earlier_answers(self.appeal)


class ComplaintSubjectForm(StepForm):
    body = forms.ModelChoiceField(label=_("Орган (организация)"), required=False,
                                  queryset=ExternalBody.objects.all())
    department = forms.ModelChoiceField(label=_("Подразделение"), required=False,
                                        queryset=Department.objects.all())
    official = StaffChoiceField(label=_("Сотрудник"), required=False, queryset=User.objects.none())
    comment = comment_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["official"]).queryset = department_members()
        if not self.is_bound:
            self.initial.update({
                "body": self.appeal.complaint_against_body_id,
                "department": self.appeal.complaint_against_department_id,
                "official": self.appeal.complaint_against_user_id,
            })


NUMBER_SEPARATORS = re.compile(r"[,;\s]+")


class LinkForm(StepForm):
    numbers = forms.CharField(
        label=_("Номера прежних обращений"), max_length=2000,
        help_text=_("Через запятую, например: ОГ-2025-000123, ОГ-2025-000456."),
        error_messages={"required": _("Укажите номера обращений.")},
    )
    comment = comment_field()

    def suggestions(self) -> list[Appeal]:
        """Earlier appeals of the same author the official may see, not linked yet."""
        earlier = worklists.earlier_appeals_of_author(self.appeal)
        linked = set(self.appeal.linked_appeals.values_list("pk", flat=True))
        return [
            appeal for appeal in access.visible_appeals(self.user, earlier).order_by("-received_at")[:10]
            if appeal.pk not in linked
        ]

    def clean_numbers(self) -> list[Appeal]:
        numbers = [part.upper() for part in NUMBER_SEPARATORS.split(self.cleaned_data["numbers"]) if part]
        if not numbers:
            raise ValidationError(_("Укажите номера обращений."), code="required")
        if self.appeal.number in numbers:
            raise ValidationError(_("Обращение нельзя связать с самим собой."), code="self")
        found = {appeal.number: appeal for appeal in
                 access.visible_appeals(self.user, Appeal.objects.filter(number__in=numbers))}
        missing = [number for number in numbers if number not in found]
        if missing:
            raise ValidationError(_("Не найдены обращения: %(numbers)s."), code="missing",
                                  params={"numbers": ", ".join(missing)})
        later = [number for number, appeal in found.items() if appeal.received_at >= self.appeal.received_at]
        if later:
            raise ValidationError(_("Связываются прежние обращения; поступили позже этого: %(numbers)s."),
                                  code="later", params={"numbers": ", ".join(sorted(later))})
        return [found[number] for number in dict.fromkeys(numbers)]


class RequestDocumentsForm(StepForm):
    # Courts, bodies of inquiry and of preliminary investigation are not
    # offered (item 2 of art. 10 part 1); the service refuses them too.
    body = forms.ModelChoiceField(
        label=_("Орган (организация)"),
        queryset=ExternalBody.objects.filter(is_active=True).exclude(kind__in=ExternalBody.NO_DOCUMENTS_REQUEST),
        help_text=_("Суды, органы дознания и органы предварительного следствия не предлагаются: у них документы "
                    "не запрашиваются (п. 2 ч. 1 ст. 10 Федерального закона № 59-ФЗ)."),
        error_messages={"required": _("Выберите орган."),
                        "invalid_choice": _("Выберите орган из списка: у судов, органов дознания и органов "
                                            "предварительного следствия документы не запрашиваются.")},
    )
    text = forms.CharField(label=_("Что запрашивается"), widget=COMMENT_WIDGET, max_length=5000,
                           error_messages={"required": _("Укажите, какие документы запрашиваются.")})


class DocumentsReceivedForm(StepForm):
    request = forms.ModelChoiceField(label=_("Запрос"), queryset=DocumentRequest.objects.none(),
                                     error_messages={"required": _("Выберите запрос.")})
    on = forms.DateField(label=_("Дата получения ответа"), required=False,
                         widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                         help_text=_("Пусто: сегодня."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["request"])
        field.queryset = self.appeal.document_requests.filter(answered_on__isnull=True).select_related("body")

    def clean_on(self) -> Any:
        on = self.cleaned_data.get("on")
        if on is not None and on > timezone.localdate():
            raise ValidationError(_("Дата не может быть в будущем."), code="future")
        return on


class ExtendForm(StepForm):
    days = forms.IntegerField(
        label=_("Продлить на, дней"), min_value=1, max_value=30, initial=30,
        help_text=_("Не более 30 дней, один раз (ч. 2 ст. 12 Федерального закона № 59-ФЗ)."),
        error_messages={"required": _("Укажите число дней."),
                        "min_value": _("Не менее 1 дня."),
                        "max_value": _("Срок продлевается не более чем на 30 дней.")},
    )
    reason = comment_field(required=True, label=_("Основание продления"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The head extends by what the executor asked, unless they type otherwise.
        if self.appeal.extension_requested_at is not None and type(self) is ExtendForm:
            self.initial.setdefault("days", self.appeal.extension_requested_days)
            self.initial.setdefault("reason", self.appeal.extension_requested_reason)

    # --- the dates the head decides on (issue 10 item 6) ---
    def _answer_term(self) -> Any:
        from appeals.services import terms

        answer = terms.appeal_terms(self.appeal).answer
        return None if answer is None or self.appeal.extension_days else answer

    def _extended(self, days: int) -> Any:
        from appeals import deadlines
        from appeals.services import terms

        answer = self._answer_term()
        if answer is None or not 1 <= days <= deadlines.EXTENSION_MAX_DAYS:
            return None
        return deadlines.extend_due(answer, days, terms.work_calendar(), terms.shift_rule()).due

    def due_dates(self) -> dict[str, Any] | None:
        """The current due date, the new one for the days asked (30 unless typed) and the latest possible."""
        from appeals import deadlines

        answer = self._answer_term()
        if answer is None:
            return None
        days: Any = self.initial.get("days", self.fields["days"].initial)
        if self.is_bound:
            try:
                days = int(self.data.get(self.add_prefix("days"), ""))
            except ValueError:
                days = None
        return {
            "current": answer.due, "days": days, "new": self._extended(days) if isinstance(days, int) else None,
            "max_days": deadlines.EXTENSION_MAX_DAYS, "max": self._extended(deadlines.EXTENSION_MAX_DAYS),
        }


class RequestExtensionForm(ExtendForm):
    """The executor's request to the head: the same days and the reason, with the dates they would give."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].label = _("Запросить продление на, дней")
        self.fields["days"].help_text = _(
            "Продлевает руководитель: не более 30 дней, один раз (ч. 2 ст. 12 Федерального закона № 59-ФЗ).")
        self.fields["reason"].label = _("Почему нужно больше времени")


class DeclineExtensionForm(StepForm):
    comment = comment_field(required=True, label=_("Почему срок не продлевается"))


def check_files(uploads: list[UploadedFile]) -> list[tuple[UploadedFile, attachments.CheckedFile]]:
    """Check files by content and their total size, as the citizen's form does; raise every error at once."""
    if len(uploads) > attachments.MAX_FILES:
        raise ValidationError(_("Можно приложить не более %(max)s файлов."), code="too_many_files",
                              params={"max": attachments.MAX_FILES})
    accepted: list[tuple[UploadedFile, attachments.CheckedFile]] = []
    errors: list[ValidationError] = []
    total = 0
    for upload in uploads:
        try:
            checked = attachments.check_attachment(upload)
            attachments.check_total_size([total, checked.size])
        except ValidationError as exc:
            errors.append(exc)
            continue
        accepted.append((upload, checked))
        total += checked.size
    if errors:
        raise ValidationError(errors)
    return accepted


# The draft form's second button: save the draft and pass it for signature at once.
AND_SUBMIT = "and_submit"
# The sign form's second button: keep the head's correction of the text without signing yet.
CORRECT_ONLY = "correct_only"


class QuestionOutcomeFields(StepForm):
    """Per question of the appeal: the cause found and how it was checked (and, at signing, the measures).

    The fields are named `<what>_<question id>`; the service's
    QuestionOutcomeError names the field its message belongs next to.
    """

    with_measures = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(self.appeal.questions.select_related("cause").prefetch_related("measures"))
        for question in self.questions:
            # The books offer what is in use, plus what the question already has.
            causes = Cause.objects.filter(Q(is_active=True) | Q(pk=question.cause_id))
            self.fields[f"cause_{question.pk}"] = forms.ModelChoiceField(
                label=_("Причина"), queryset=causes, initial=question.cause_id,
                error_messages={"required": _("Укажите причину, выявленную по вопросу.")},
            )
            for name, label in CHECK_LABELS.items():
                self.fields[f"{name}_{question.pk}"] = forms.BooleanField(
                    label=label, required=False, initial=getattr(question, name),
                )
            if self.with_measures:
                chosen = [measure.pk for measure in question.measures.all()]
                self.fields[f"measures_list_{question.pk}"] = forms.ModelMultipleChoiceField(
                    label=_("Принятые меры"), required=False, widget=forms.CheckboxSelectMultiple,
                    queryset=Measure.objects.filter(Q(is_active=True) | Q(pk__in=chosen)), initial=chosen,
                    help_text=_("Только для результата «поддержано» с отметкой «меры приняты»."),
                )

    def outcome_rows(self) -> list[dict[str, Any]]:
        """The fields of each question, grouped for the template."""
        rows = []
        for question in self.questions:
            row: dict[str, Any] = {
                "question": question,
                "cause": self[f"cause_{question.pk}"],
                "checks": [self[f"{name}_{question.pk}"] for name in CHECK_LABELS],
            }
            if self.with_measures:
                row["result"] = self[f"result_{question.pk}"]
                row["measures_taken"] = self[f"measures_{question.pk}"]
                row["measures"] = self[f"measures_list_{question.pk}"]
            rows.append(row)
        return rows

    def outcomes(self) -> dict[int, handling.QuestionOutcome]:
        data = self.cleaned_data
        return {
            question.pk: handling.QuestionOutcome(
                cause=data.get(f"cause_{question.pk}"),
                measures=list(data.get(f"measures_list_{question.pk}") or ()),
                **{name: bool(data.get(f"{name}_{question.pk}")) for name in CHECK_LABELS},
            )
            for question in self.questions
        }


class DraftAnswerForm(QuestionOutcomeFields):
    """The answer's text and enclosures, with the cause per question (issue 11).

    The cause is required only with «Сохранить и передать на подпись»: a
    draft may be saved before the cause is known; what is chosen is kept.
    """

    text = forms.CharField(label=_("Текст ответа"), widget=forms.Textarea(attrs={"rows": 18, "cols": 100}),
                           max_length=100_000, error_messages={"required": _("Текст ответа пуст.")})
    enclosures = MultipleFileField(
        label=_("Приложения"), required=False,
        help_text=_("PDF, JPG или JPEG: они будут приложены к ответу после его страниц."),
    )
    remove_files = forms.ModelMultipleChoiceField(
        label=_("Убрать приложения"), queryset=AnswerFile.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        submitting = AND_SUBMIT in self.data
        for question in self.questions:
            self.fields[f"cause_{question.pk}"].required = submitting
        self.accepted_files: list[tuple[UploadedFile, attachments.CheckedFile]] = []
        answer = Answer.objects.filter(appeal=self.appeal).first()
        if answer is not None and not self.is_bound:
            self.initial["text"] = answer.text
        # What the page kept while typing and the executor did not save (a closed tab): offered back.
        self.restored: AnswerAutosave | None = None
        autosave = AnswerAutosave.objects.filter(appeal=self.appeal, user=self.user).first()
        if autosave is not None and not self.is_bound and autosave.text != self.initial.get("text", "") and (
                answer is None or autosave.saved_at > answer.drafted_at):
            self.initial["text"], self.restored = autosave.text, autosave
        enclosures = AnswerFile.objects.filter(answer=answer) if answer is not None else AnswerFile.objects.none()
        field = cast(forms.ModelMultipleChoiceField, self.fields["remove_files"])
        field.queryset = enclosures
        if not enclosures.exists():
            del self.fields["remove_files"]

    def clean_enclosures(self) -> list[UploadedFile]:
        uploads: list[UploadedFile] = self.cleaned_data["enclosures"]
        self.accepted_files = check_files(uploads)
        return uploads

    # What the draft page shows beside the editor (issue 10 item 4).
    def citizen_files(self) -> list[Attachment]:
        return list(Attachment.objects.filter(appeal=self.appeal).order_by("uploaded_at", "pk"))

    def earlier_appeals(self) -> list[Appeal]:
        """The author's earlier appeals that this official may see (scoped like the list), newest first."""
        earlier = worklists.earlier_appeals_of_author(self.appeal)
        return list(access.visible_appeals(self.user, earlier).select_related("answer").order_by("-received_at")[:10])

    def fragments(self) -> list[AnswerFragment]:
        return list(AnswerFragment.objects.filter(is_active=True))


CHECK_LABELS = {
    "checked_by_commission": _("комиссионно"),
    "checked_on_site": _("с выездом на место"),
    "checked_with_applicant": _("с участием заявителя"),
}


class SubmitAnswerForm(QuestionOutcomeFields):
    comment = comment_field()


class ReturnAnswerForm(StepForm):
    comment = comment_field(required=True, label=_("Замечания к ответу"))


def signer_initial(user: Any) -> dict[str, str]:
    """The sign form's position and name from the signer's staff record (empty when there is none)."""
    profile = StaffProfile.objects.filter(user=user).first()
    if profile is None:
        return {}
    return {"signer_position": profile.position, "signer_name": profile.signature_name}


def remember_signer(user: Any, position: str, name: str) -> None:
    """Keep the position a head signed with in their staff record, if the record has none yet.

    The administrator's record is not overwritten: a head signing once «за»
    another official does not change their own position.
    """
    profile, _created = StaffProfile.objects.get_or_create(user=user)
    changed = []
    if not profile.position and position.strip():
        profile.position = position.strip()
        changed.append("position")
    if not profile.signature_name and name.strip():
        profile.signature_name = name.strip()
        changed.append("signature_name")
    if changed:
        profile.save(update_fields=changed)


class SignAnswerForm(QuestionOutcomeFields):
    with_measures = True
    direction_checked_fields = ("signer_position", "signer_name")  # printed under the answer

    signer_position = forms.CharField(label=_("Должность подписывающего"), max_length=300,
                                      error_messages={"required": _("Укажите должность подписывающего.")})
    signer_name = forms.CharField(label=_("Подписывающий (И. О. Фамилия)"), max_length=200, required=False,
                                  help_text=_("Пусто: по имени в учётной записи."))
    # Issue 10 item 4: the head corrects the text before signing; the history keeps the previous text.
    text = forms.CharField(
        label=_("Текст ответа"), widget=forms.Textarea(attrs={"rows": 14, "cols": 100}), max_length=100_000,
        required=False,
        help_text=_("Исправления попадут в историю обращения вместе с прежним текстом. «Сохранить правку» — "
                    "чтобы перечитать письмо в PDF перед подписанием."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # Issue 10: the position and name come from the signer's staff record.
            self.initial.update(signer_initial(self.user))
            answer = Answer.objects.filter(appeal=self.appeal).first()
            if answer is not None:
                self.initial["text"] = answer.text
        if CORRECT_ONLY in self.data:
            # Only the text is kept: the causes are asked for when the head signs.
            for question in self.questions:
                self.fields[f"cause_{question.pk}"].required = False
        for question in self.questions:
            # Not required here: the service refuses a question without a
            # result, with the question named in its message.
            self.fields[f"result_{question.pk}"] = forms.ChoiceField(
                label=str(question), required=False, choices=[("", "—"), *SIGN_RESULTS],
                initial=question.result if question.result in dict(SIGN_RESULTS) else "",
            )
            self.fields[f"measures_{question.pk}"] = forms.BooleanField(
                label=_("меры приняты"), required=False, initial=question.measures_taken,
            )

    def clean_text(self) -> str | None:
        """None when the form was sent without the text (the text stays); an emptied text is refused."""
        if self.add_prefix("text") not in self.data:
            return None
        text: str = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError(_("Текст ответа пуст."))
        return text

    def results(self) -> dict[int, tuple[str, bool]]:
        return {
            q.pk: (self.cleaned_data.get(f"result_{q.pk}") or "", bool(self.cleaned_data.get(f"measures_{q.pk}")))
            for q in self.questions
        }


class AccessCodeForm(StepForm):
    comment = comment_field(label=_("Как заявитель просил о новом коде"))

    def route(self) -> str:
        return handling.access_code_route(self.appeal)


class BulkSignerForm(PortalForm):
    """The position and name under every answer signed at once, from the signer's staff record."""

    direction_checked_fields = ("signer_position", "signer_name")
    signer_position = forms.CharField(label=_("Должность подписывающего"), max_length=300,
                                      error_messages={"required": _("Укажите должность подписывающего.")})
    signer_name = forms.CharField(label=_("Подписывающий (И. О. Фамилия)"), max_length=200, required=False,
                                  help_text=_("Пусто: по имени в учётной записи."))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and user is not None:
            self.initial.update(signer_initial(user))


class WithdrawForm(StepForm):
    comment = comment_field(required=True, label=_("Заявление гражданина о прекращении рассмотрения"))


class AssignSelectedForm(PortalForm):
    """The department chosen on the bulk action's intermediate page."""

    department = forms.ModelChoiceField(
        label=_("Подразделение"), queryset=Department.objects.filter(is_active=True), required=False,
        help_text=_("Можно не выбирать, если исполнитель состоит в одном подразделении."),
    )
    executor = StaffChoiceField(
        label=_("Исполнитель"), required=False, queryset=User.objects.none(),
        help_text=_("Сотрудник выбранного подразделения; можно не указывать."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["executor"]).queryset = department_members()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        department_of_executor(cleaned, self)
        return cleaned


# --- entry of appeals that came by post, in person or through ПОС ---------------
class EntryForm(CoAuthorsMixin, ApplicantNamesMixin, PortalForm):
    channel = forms.ChoiceField(label=_("Канал поступления"), choices=ENTRY_CHANNELS, initial=Channel.POST)
    # Art. 8 part 3: an appeal another body sent on. Its letter is cited in
    # ours; the terms count from the registration here, not from its date.
    source_body = forms.ModelChoiceField(
        label=_("Орган, переадресовавший обращение"), required=False,
        queryset=ExternalBody.objects.filter(is_active=True),
        help_text=_("Для канала «переадресовано из другого органа». Нет в списке: добавьте орган в справочник "
                    "«Органы и организации»."),
    )
    source_number = forms.CharField(label=_("Исходящий номер сопроводительного письма"), max_length=64,
                                    required=False)
    source_date = forms.DateField(
        label=_("Дата сопроводительного письма"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
    )
    sheets = forms.IntegerField(label=_("Листов обращения"), required=False, min_value=1, max_value=9999,
                                error_messages={"min_value": _("Не менее одного листа.")})
    enclosures = forms.IntegerField(label=_("Приложений"), required=False, min_value=0, max_value=9999,
                                    error_messages={"min_value": _("Число не может быть отрицательным.")})
    enclosure_sheets = forms.IntegerField(label=_("Листов приложений"), required=False, min_value=0,
                                          max_value=99999,
                                          error_messages={"min_value": _("Число не может быть отрицательным.")})
    organisation = forms.CharField(label=_("Организация (объединение граждан)"), max_length=300, required=False,
                                   help_text=_("Если обращение направлено от имени организации."))
    received_at = forms.DateTimeField(
        label=_("Дата и время поступления"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
        error_messages={"required": _("Укажите дату и время поступления.")},
    )
    last_name = forms.CharField(label=_("Фамилия"), max_length=100, error_messages={"required": _("Укажите фамилию.")})
    first_name = forms.CharField(label=_("Имя"), max_length=100, error_messages={"required": _("Укажите имя.")})
    patronymic = forms.CharField(label=_("Отчество"), max_length=100, required=False)
    address = forms.CharField(label=_("Адрес"), max_length=500,
                              error_messages={"required": _("Укажите почтовый адрес.")})
    postal_index = forms.CharField(label=_("Индекс"), max_length=6, validators=[validate_postal_index],
                                   error_messages={"required": _("Укажите почтовый индекс.")})
    phone = forms.CharField(label=_("Телефон"), max_length=32, required=False)
    email = forms.CharField(label=_("Электронная почта"), max_length=254, required=False,
                            help_text=_("Обязательна, если ответ направляется по электронной почте."))
    reply_method = forms.ChoiceField(label=_("Способ получения ответа"), choices=ReplyMethod.choices,
                                     initial=ReplyMethod.POST)
    topic = TopicChoiceField(label=_("Тематика"), queryset=Topic.objects.none(),
                             error_messages={"required": _("Выберите тематику обращения.")})
    kind = forms.ChoiceField(label=_("Вид обращения"), choices=AppealKind.choices, initial=AppealKind.PRIMARY)
    text = forms.CharField(label=_("Суть обращения"), max_length=50_000,
                           widget=forms.Textarea(attrs={"rows": 10, "cols": 100}),
                           error_messages={"required": _("Изложите суть обращения.")})
    scans = MultipleFileField(label=_("Сканы"), required=False,
                              help_text=_("PDF, JPG или JPEG; всего не более %(limit)s.")
                              % {"limit": filesizeformat(attachments.MAX_TOTAL_BYTES)})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._init_coauthors()
        self.accepted_files: list[tuple[UploadedFile, attachments.CheckedFile]] = []
        cast(forms.ModelChoiceField, self.fields["topic"]).queryset = Topic.objects.filter(
            level=QUESTION_LEVEL, is_active=True
        ).order_by("-is_offered", "sort_order", "code")

    def clean_received_at(self) -> Any:
        value = self.cleaned_data["received_at"]
        if value > timezone.now():
            raise ValidationError(_("Дата поступления не может быть в будущем."), code="future")
        return value

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        return normalize_phone(phone) if phone else ""

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if not email:
            return ""
        # No national-zone check: that rule (547-FZ) is about identification
        # on the site; a letter on paper may give any address.
        EmailValidator(message=_("Проверьте адрес электронной почты."))(email)
        local, domain = email.rsplit("@", 1)
        return f"{local}@{domain.lower()}"

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise ValidationError(_("Изложите суть обращения."), code="required")
        return text

    def clean_scans(self) -> list[UploadedFile]:
        """Check each scan by content and the total size, as the citizen form does."""
        uploads: list[UploadedFile] = self.cleaned_data["scans"]
        self.accepted_files = check_files(uploads)
        return uploads

    def clean_source_number(self) -> str:
        return " ".join(self.cleaned_data["source_number"].split())

    def clean_organisation(self) -> str:
        return " ".join(self.cleaned_data["organisation"].split())

    def clean_source_date(self) -> Any:
        value = self.cleaned_data["source_date"]
        if value is not None and value > timezone.localdate():
            raise ValidationError(_("Дата письма не может быть в будущем."), code="future")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("reply_method") == ReplyMethod.EMAIL and not cleaned.get("email"):
            self.add_error("email", _("Для ответа по электронной почте укажите адрес."))
        if cleaned.get("channel") == Channel.REDIRECTED:
            for name, message in (
                ("source_body", _("Выберите орган, переадресовавший обращение.")),
                ("source_number", _("Укажите исходящий номер сопроводительного письма органа.")),
                ("source_date", _("Укажите дату сопроводительного письма органа.")),
            ):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, message)
            received = cleaned.get("received_at")
            source_date = cleaned.get("source_date")
            if received and source_date and source_date > timezone.localdate(received):
                self.add_error("source_date", _("Письмо органа не может быть датировано позже поступления."))
        elif cleaned.get("source_body") or cleaned.get("source_number") or cleaned.get("source_date"):
            self.add_error("channel", _("Орган и его письмо указываются только для канала «переадресовано из "
                                        "другого органа»: выберите этот канал или очистите поля органа."))
        self.clean_coauthors(cleaned)
        return cleaned

    def applicant_data(self) -> dict[str, Any]:
        from appeals.models import APPLICANT_FIELDS

        return {name: self.cleaned_data.get(name, "") for name in APPLICANT_FIELDS}

    def paper_data(self) -> dict[str, Any]:
        """The entry's own details: the sending body and its letter, sheets, organisation, co-authors."""
        return {name: self.cleaned_data.get(name) for name in (
            "source_body", "source_number", "source_date", "sheets", "enclosures", "enclosure_sheets",
            "organisation", "coauthors")}
