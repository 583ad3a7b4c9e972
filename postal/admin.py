"""Admin: the clerk's print queue, the batches, the default mail classes.

The print queue is letters.PostalLetter's admin (the letters app keeps the
model; this app, which prints and posts, keeps its screens). Clerks see
every postal letter; everyone else the letters of the appeals they may see
(appeals.services.access). A letter's page, its PDF and a batch's files are
written to the access log.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.files.storage import storages
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appeals.admin import PersonalDataAdmin
from appeals.models import AccessLogEntry, surname_key
from appeals.services import access
from letters.models import TO_BODY_KINDS, PostalLetter
from letters.services import SECRET_KINDS
from postal import services
from postal.forms import BuildBatchForm, DecisionForm, ReturnForm, RollForm, TrackingForm
from postal.models import Batch, LetterEvent, MailClassDefault

Status = PostalLetter.Status
APPEAL_NUMBER = re.compile(r"ОГ-\d{4}-\d{6}", re.IGNORECASE)
TRACKING = re.compile(r"\d{14}")
BODY_KINDS = [str(kind) for kind in TO_BODY_KINDS]
SEARCH_LIMIT = 1000  # matches of a search shown at most (a surname's first letters can match thousands)


ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)


def _no_store(response: ResponseT) -> ResponseT:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _log_letters(request: HttpRequest, letters: list[PostalLetter], detail: str) -> None:
    """One access-log row per appeal whose letter was in the file served."""
    seen = set()
    rows = []
    for letter in letters:
        if letter.appeal_id not in seen:
            seen.add(letter.appeal_id)
            rows.append(AccessLogEntry(user=request.user, appeal_id=letter.appeal_id,  # type: ignore[misc]
                                       action=AccessLogEntry.Action.DOWNLOAD, detail=detail[:300]))
    AccessLogEntry.objects.bulk_create(rows)


class StateFilter(admin.SimpleListFilter):
    """The queue opens on the letters waiting to be printed; «все» shows every state."""

    title = _("состояние")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [*Status.choices, ("all", _("все"))]

    def choices(self, changelist: Any) -> Any:
        current = self.value() or Status.QUEUED
        for value, title in self.lookup_choices:
            yield {"selected": current == value, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: value})}

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value() or Status.QUEUED
        if value == "all":
            return queryset
        return queryset.filter(status=value)


class PostalLetterForm(forms.ModelForm):
    class Meta:
        model = PostalLetter
        fields = ("mail_class", "envelope", "weight", "addressee", "postal_index")
        widgets = {"addressee": forms.Textarea(attrs={"rows": 3})}

    postal_index = forms.RegexField(label=_("индекс"), regex=r"^(\d{6})?$", required=False,
                                    error_messages={"invalid": _("Индекс — шесть цифр.")})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        letter = self.instance
        readdressed = (data.get("addressee"), data.get("postal_index")) != (letter.addressee, letter.postal_index)
        if letter.pk and readdressed and letter.status != Status.QUEUED:
            # The address is printed in the letter: a letter already in a batch keeps the pages printed.
            self.add_error("addressee", _("Письмо уже в пакете на печать: чтобы исправить адрес, отмените пакет — "
                                          "письмо вернётся в очередь."))
        return data


@admin.register(PostalLetter)
class PostalLetterAdmin(PersonalDataAdmin):
    """The clerk's print queue: waiting letters oldest first; each letter's page with its PDF and history."""

    form = PostalLetterForm
    list_display = ("created_at", "kind", "appeal", "addressee_first_line", "postal_index", "mail_class",
                    "weight", "status", "tracking_number", "pdf_link")
    list_filter = (StateFilter, "kind", "mail_class", ("created_at", admin.DateFieldListFilter))
    search_fields = ("addressee",)
    search_help_text = _("Точный номер обращения или ШПИ, начало фамилии заявителя или часть названия органа.")
    list_select_related = ("appeal",)
    ordering = ("created_at", "pk")
    show_full_result_count = False
    list_per_page = 50
    actions = ["build_batch"]
    editable = ("mail_class", "envelope", "weight", "addressee", "postal_index")
    shown = ("appeal_link", "kind", "status", "addressee_block", "postal_index", "mail_class", "envelope", "weight",
             "sheets", "pdf_link", "subject", "letter_text", "tracking_number", "created_at", "printed_at", "sent_at",
             "return_info", "letter_history")
    log_action = AccessLogEntry.Action.VIEW_LETTER
    change_form_template = "admin/postal/postalletter/change_form.html"

    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return access.visible_postal_letters(request.user, queryset)

    def log_detail(self, obj: PostalLetter) -> str:
        return gettext("почтовое письмо № %(pk)s: %(kind)s") % {"pk": obj.pk, "kind": obj.get_kind_display()}

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
                           ) -> tuple[QuerySet[Any], bool]:
        # An appeal's number or a ШПИ is looked up exactly, through its index, and not also as a
        # part of every address (a scan of the whole queue); anything else is a part of the addressee.
        term = search_term.strip()
        if APPEAL_NUMBER.fullmatch(term):
            return queryset.filter(appeal__number=term.upper()), False
        if TRACKING.fullmatch(term.replace(" ", "")):
            return queryset.filter(tracking_number=term.replace(" ", "")), False
        if not term:
            return queryset, False
        # Otherwise the start of the citizen's surname, on the appeals' folded-surname index (as the
        # appeals' list searches), or a part of the addressee of a letter to another body (few rows).
        citizens = queryset.filter(appeal__surname_key__startswith=surname_key(term)).exclude(kind__in=BODY_KINDS)
        bodies = queryset.filter(kind__in=BODY_KINDS, addressee__icontains=term)
        # Unordered: the first SEARCH_LIMIT matches found end the scan; the page sorts what it shows.
        ids = [*citizens.order_by().values_list("pk", flat=True)[:SEARCH_LIMIT],
               *bodies.order_by().values_list("pk", flat=True)[:SEARCH_LIMIT]]
        return queryset.filter(pk__in=ids), False

    # --- who may change what ---------------------------------------------------------
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The clerk corrects class, envelope, weight and address until the letter is posted.
        if not access.works_print_queue(request.user):
            return False
        return obj is None or obj.status not in (Status.SENT, Status.RETURNED)

    def has_build_permission(self, request: HttpRequest) -> bool:
        return access.works_print_queue(request.user) and request.user.has_perm("postal.add_batch")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if self.has_change_permission(request, obj):
            return [name for name in self.shown if name not in ("addressee_block",)] + ["addressee"]
        return self.shown

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if self.has_change_permission(request, obj):
            return [name for name in self.shown if name not in self.editable]
        return self.shown

    def save_model(self, request: HttpRequest, obj: PostalLetter, form: Any, change: bool) -> None:
        data = form.cleaned_data
        services.update_letter(obj, request.user, mail_class=data["mail_class"], envelope=data["envelope"],
                               weight=data["weight"], addressee=data["addressee"],
                               postal_index=data["postal_index"])

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None  # the letter's own history (postal.LetterEvent) keeps the change

    # --- columns and fields ------------------------------------------------------------
    @admin.display(description=_("адресат"))
    def addressee_first_line(self, obj: PostalLetter) -> str:
        return obj.addressee.splitlines()[0] if obj.addressee else ""

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj: PostalLetter) -> str:
        url = reverse("admin:letters_postalletter_pdf", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, gettext("открыть PDF"))

    @admin.display(description=_("обращение"))
    def appeal_link(self, obj: PostalLetter) -> str:
        # The link to the appeal's page is above, for those who may open it (change_view).
        return f"№ {obj.appeal.number}"

    @admin.display(description=_("текст"))
    def letter_text(self, obj: PostalLetter) -> str:
        # A new access code is printed into the letter; its page does not show the code to whoever opens it.
        if obj.kind in SECRET_KINDS:
            return gettext("Текст содержит новый код доступа и здесь не показывается; он напечатан в PDF письма.")
        return obj.text

    @admin.display(description=_("адресный блок"))
    def addressee_block(self, obj: PostalLetter) -> str:
        return format_html_join("", "<div>{}</div>", ((line,) for line in obj.addressee.splitlines()))

    @admin.display(description=_("возврат"))
    def return_info(self, obj: PostalLetter) -> str:
        if obj.status != Status.RETURNED:
            resent = obj.resent_from_id
            return gettext("повторная отправка письма № %(pk)s") % {"pk": resent} if resent else "—"
        text = gettext("вернулось %(date)s: %(reason)s") % {
            "date": timezone.localtime(obj.returned_at).strftime("%d.%m.%Y") if obj.returned_at else "",
            "reason": obj.get_return_reason_display()}
        if obj.return_note:
            text += f" ({obj.return_note})"
        if obj.return_settled_at is None:
            text += " — " + gettext("ждёт решения исполнителя")
        return text

    @admin.display(description=_("история письма"))
    def letter_history(self, obj: PostalLetter) -> str:
        events = LetterEvent.objects.filter(letter=obj).select_related("actor")
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((timezone.localtime(event.created_at).strftime("%d.%m.%Y %H:%M"),
              event.actor.get_username() if event.actor else gettext("система"), event.comment or event.action)
             for event in events))
        return format_html('<table class="postal-history">{}</table>', rows) if rows else "—"

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        letter = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if letter is not None:
            user = request.user
            extra["can_record_return"] = access.works_print_queue(user) and letter.status == Status.SENT
            extra["can_set_tracking"] = (access.works_print_queue(user)
                                         and letter.status not in (Status.SENT, Status.RETURNED))
            extra["can_decide"] = (letter.status == Status.RETURNED and letter.return_settled_at is None
                                   and can_decide(user, letter))
            extra["appeal_url"] = (reverse("admin:appeals_appeal_change", args=[letter.appeal_id])
                                   if access.can_see(user, letter.appeal) else "")
        return super().change_view(request, object_id, form_url, extra)

    # --- the custom pages --------------------------------------------------------------
    def get_urls(self) -> list[URLPattern]:
        def wrap(view: Any) -> Any:
            return self.admin_site.admin_view(view)

        return [
            path("<int:letter_id>/pdf/", wrap(self.pdf_view), name="letters_postalletter_pdf"),
            path("<int:letter_id>/tracking/", wrap(self.tracking_view), name="letters_postalletter_tracking"),
            path("<int:letter_id>/return/", wrap(self.return_view), name="letters_postalletter_return"),
            path("<int:letter_id>/decide/", wrap(self.decide_view), name="letters_postalletter_decide"),
            *super().get_urls(),
        ]

    def _letter(self, request: HttpRequest, letter_id: int) -> PostalLetter:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request).select_related("appeal"), pk=letter_id)

    def pdf_view(self, request: HttpRequest, letter_id: int) -> HttpResponseBase:
        """The letter's PDF, inline: it opens in the browser's viewer to read or print."""
        letter = self._letter(request, letter_id)
        try:
            file = storages["attachments"].open(letter.pdf_path, "rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        self._log_view(request, letter, gettext(", PDF"))
        name = f"{letter.get_kind_display()} {letter.appeal.number}.pdf".replace("/", "-")
        return _no_store(FileResponse(file, filename=name, content_type="application/pdf"))

    def _form_page(self, request: HttpRequest, letter: PostalLetter, form: forms.Form, title: str,
                   submit: str) -> HttpResponse:
        context = {**self.admin_site.each_context(request), "opts": self.opts, "original": letter, "form": form,
                   "title": title, "submit": submit}
        return TemplateResponse(request, "admin/postal/form.html", context)

    def _back(self, letter: PostalLetter) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:letters_postalletter_change", args=[letter.pk]))

    def tracking_view(self, request: HttpRequest, letter_id: int) -> HttpResponse:
        letter = self._letter(request, letter_id)
        if not self.has_change_permission(request, letter):
            raise PermissionDenied
        form = TrackingForm(request.POST or None, initial={"number": letter.tracking_number})
        if request.method == "POST" and form.is_valid():
            try:
                services.set_tracking_number(letter, request.user, form.cleaned_data["number"],
                                             confirmed=form.cleaned_data["confirmed"])
            except services.PostalError as exc:
                form.add_error("number", str(exc))
            else:
                self.message_user(request, gettext("ШПИ сохранён."), messages.SUCCESS)
                return self._back(letter)
        return self._form_page(request, letter, form, gettext("ШПИ письма"), gettext("Сохранить"))

    def return_view(self, request: HttpRequest, letter_id: int) -> HttpResponse:
        letter = self._letter(request, letter_id)
        if not access.works_print_queue(request.user):
            raise PermissionDenied
        form = ReturnForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.record_return(letter, request.user, reason=form.cleaned_data["reason"],
                                       note=form.cleaned_data["note"], on=form.cleaned_data["on"])
            except services.PostalError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, gettext("Возврат записан; исполнитель уведомлён."), messages.SUCCESS)
                return self._back(letter)
        return self._form_page(request, letter, form, gettext("Возврат письма"), gettext("Записать возврат"))

    def decide_view(self, request: HttpRequest, letter_id: int) -> HttpResponse:
        letter = self._letter(request, letter_id)
        if not can_decide(request.user, letter):
            raise PermissionDenied
        if letter.status != Status.RETURNED or letter.return_settled_at is not None:
            return self._back(letter)
        appeal = letter.appeal
        form = DecisionForm(request.POST or None, initial={
            "addressee": letter.addressee, "postal_index": letter.postal_index, "email": appeal.email})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == DecisionForm.RESEND:
                    new = services.resend_letter(letter, request.user, addressee=data["addressee"],
                                                 postal_index=data["postal_index"])
                    self.message_user(request, gettext("Письмо поставлено в очередь повторно."), messages.SUCCESS)
                    return self._back(new)
                if data["decision"] == DecisionForm.EMAIL:
                    services.answer_by_email(letter, request.user, email=data["email"])
                else:
                    services.settle_return(letter, request.user, comment=data["comment"])
            except services.PostalError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, gettext("Решение по возврату записано."), messages.SUCCESS)
                return self._back(letter)
        # The form holds the citizen's address and e-mail.
        self._log_view(request, letter, gettext(", решение по возврату"))
        return self._form_page(request, letter, form, gettext("Решение по вернувшемуся письму"),
                               gettext("Записать решение"))

    # --- the action ---------------------------------------------------------------------
    @admin.action(description=_("Собрать пакет на печать из выбранных"), permissions=["build"])
    def build_batch(self, request: HttpRequest, queryset: QuerySet[PostalLetter]) -> HttpResponse:
        ids = ",".join(str(pk) for pk in queryset.filter(status=Status.QUEUED).values_list("pk", flat=True))
        return HttpResponseRedirect(reverse("admin:postal_batch_add") + f"?letters={ids}")


def can_decide(user: Any, letter: PostalLetter) -> bool:
    """The appeal's officials decide on a returned letter: who may see the appeal and answer or sign there."""
    return access.can_see(user, letter.appeal) and (
        user.has_perm("appeals.draft_answer") or user.has_perm("appeals.sign_answer"))


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    """The clerk's batches: build, watch the progress, print, number, post or cancel."""

    list_display = ("__str__", "status", "layout", "total", "pages", "created_by", "dispatched_at")
    list_filter = ("status", ("created_at", admin.DateFieldListFilter))
    ordering = ("-created_at", "-pk")
    change_form_template = "admin/postal/batch/change_form.html"
    add_form_template = "admin/postal/batch/add_form.html"
    list_per_page = 50

    # Batches list addressees' letters of every department: the clerks' only (the print queue's staff).
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access.works_print_queue(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return access.works_print_queue(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the batch changes through its steps

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _may_work(self, request: HttpRequest) -> bool:
        return access.works_print_queue(request.user) and request.user.has_perm("postal.change_batch")

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
                 ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BuildBatchForm(request.POST or None, initial={"letters": request.GET.get("letters", "")})
        if request.method == "POST" and form.is_valid():
            try:
                batch = services.build_batch(request.user, letter_ids=form.letter_ids(),
                                             layout=form.cleaned_data["layout"])
            except services.PostalError as exc:
                form.add_error(None, str(exc))
            else:
                return HttpResponseRedirect(reverse("admin:postal_batch_change", args=[batch.pk]))
        ids = form.letter_ids() if form.is_bound and form.is_valid() else None
        raw = request.GET.get("letters", "")
        selected = [int(part) for part in raw.split(",") if part.isdigit()] or ids
        waiting = services.waiting_letters()
        count = waiting.filter(pk__in=selected).count() if selected else waiting.count()
        context = {**self.admin_site.each_context(request), "opts": self.opts, "form": form,
                   "title": gettext("Новый пакет на печать"), "count": count, "selected": bool(selected)}
        return TemplateResponse(request, self.add_form_template, context)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = self.get_object(request, unquote(object_id))
        if batch is None:
            raise Http404
        items = batch.items.select_related("letter", "letter__appeal").order_by("position")
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "original": batch, "batch": batch,
            "title": str(batch), "items": items, "roll_form": RollForm(), "may_work": self._may_work(request),
            "has_registered": batch.items.filter(letter__mail_class__in=services.REGISTERED_CLASSES).exists(),
            "stalled": services.is_stalled(batch),
        }
        return TemplateResponse(request, self.change_form_template, context)

    def get_urls(self) -> list[URLPattern]:
        def wrap(view: Any) -> Any:
            return self.admin_site.admin_view(view)

        return [
            path("<int:batch_id>/progress/", wrap(self.progress_view), name="postal_batch_progress"),
            path("<int:batch_id>/pdf/", wrap(self.pdf_view), name="postal_batch_pdf"),
            path("<int:batch_id>/list.pdf", wrap(self.list_view), name="postal_batch_list"),
            path("<int:batch_id>/export.<slug:fmt>", wrap(self.export_view), name="postal_batch_export"),
            path("<int:batch_id>/number/", wrap(self.number_view), name="postal_batch_number"),
            path("<int:batch_id>/step/<slug:step>/", wrap(self.step_view), name="postal_batch_step"),
            *super().get_urls(),
        ]

    def _batch(self, request: HttpRequest, batch_id: int) -> Batch:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=batch_id)

    def progress_view(self, request: HttpRequest, batch_id: int) -> JsonResponse:
        batch = self._batch(request, batch_id)
        return JsonResponse({"status": batch.status, "status_display": batch.get_status_display(),
                             "done": batch.done, "total": batch.total, "percent": batch.percent,
                             "error": batch.error})

    def pdf_view(self, request: HttpRequest, batch_id: int) -> HttpResponseBase:
        """The stored batch PDF: printing again serves the same file."""
        batch = self._batch(request, batch_id)
        if not batch.pdf_path:
            raise Http404
        _log_letters(request, list(services.batch_letters(batch).only("pk", "appeal_id")),
                     gettext("пакет на печать № %(pk)s, PDF") % {"pk": batch.pk})
        file = storages["attachments"].open(batch.pdf_path, "rb")
        return _no_store(FileResponse(file, filename=f"batch-{batch.pk}.pdf", content_type="application/pdf"))

    def list_view(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        """The form 103 lists as they are now, with the ШПИ entered after the build."""
        batch = self._batch(request, batch_id)
        _log_letters(request, list(services.batch_letters(batch).only("pk", "appeal_id")),
                     gettext("пакет на печать № %(pk)s, список ф. 103") % {"pk": batch.pk})
        response = HttpResponse(services.mail_list_pdf(batch), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="list-103-{batch.pk}.pdf"'
        return _no_store(response)

    def export_view(self, request: HttpRequest, batch_id: int, fmt: str) -> HttpResponse:
        """The «Отправка» import file of the batch's registered letters."""
        batch = self._batch(request, batch_id)
        types = {"csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        if fmt not in types:
            raise Http404
        _log_letters(request, list(services.batch_letters(batch).only("pk", "appeal_id")),
                     gettext("пакет на печать № %(pk)s, выгрузка %(fmt)s") % {"pk": batch.pk, "fmt": fmt})
        response = HttpResponse(services.export_lists(batch, fmt), content_type=types[fmt])
        response["Content-Disposition"] = f'attachment; filename="otpravka-{batch.pk}.{fmt}"'
        return _no_store(response)

    def number_view(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        batch = self._batch(request, batch_id)
        if not self._may_work(request):
            raise PermissionDenied
        form = RollForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                numbers = services.number_batch(batch, request.user, form.cleaned_data["number"],
                                                confirmed=form.cleaned_data["confirmed"])
            except services.PostalError as exc:
                form.add_error("number", str(exc))
            else:
                self.message_user(request, gettext("Присвоено номеров: %(count)d (%(first)s — %(last)s).") % {
                    "count": len(numbers), "first": numbers[0], "last": numbers[-1]}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:postal_batch_change", args=[batch.pk]))
        items = batch.items.select_related("letter", "letter__appeal").order_by("position")
        context = {**self.admin_site.each_context(request), "opts": self.opts, "original": batch, "batch": batch,
                   "title": str(batch), "items": items, "roll_form": form, "may_work": True,
                   "has_registered": True}
        return TemplateResponse(request, self.change_form_template, context)

    def step_view(self, request: HttpRequest, batch_id: int, step: str) -> HttpResponse:
        batch = self._batch(request, batch_id)
        steps = {"dispatch": services.dispatch_batch, "cancel": services.cancel_batch,
                 "rebuild": services.rebuild_batch}
        if step not in steps:
            raise Http404
        if not self._may_work(request):
            raise PermissionDenied
        back = HttpResponseRedirect(reverse("admin:postal_batch_change", args=[batch.pk]))
        if request.method != "POST":
            return back
        try:
            steps[step](batch, request.user)
        except services.PostalError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            done = {"dispatch": gettext("Пакет отмечен отправленным."),
                    "cancel": gettext("Пакет отменён; письма вернулись в очередь."),
                    "rebuild": gettext("Сборка пакета запущена заново.")}
            self.message_user(request, done[step], messages.SUCCESS)
        return back


@admin.register(MailClassDefault)
class MailClassDefaultAdmin(admin.ModelAdmin):
    """The administrator's table: the class a new letter of each kind is sent by."""

    list_display = ("kind", "mail_class")
    list_editable = ("mail_class",)
    readonly_fields = ("kind",)
    fields = ("kind", "mail_class")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
