"""Officials' pages behind the admin: the step forms, the entry of paper appeals, file downloads.

AppealAdmin.get_urls wraps each of these in admin_site.admin_view (login,
staff, CSRF) and passes itself in: the appeal is always looked up through
its get_queryset, so an appeal of another department is a 404 here as in
the list. Nothing is changed here except through services.handling.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appeals import staff_forms as sf
from appeals.forms import ADD_COAUTHOR, coauthor_rows_from
from appeals.models import AccessLogEntry, Answer, AnswerFile, Appeal, Attachment
from appeals.services import access, handling
from appeals.services.intake import AppealError
from appeals.signals import collect_panels

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

logger = logging.getLogger(__name__)

Runner = Callable[[Appeal, Any, Any], str]

# The steps whose form shows the panels of the capabilities beside the core
# (appeals.signals.appeal_panels): the registrar decides there.
REGISTRATION_STEPS = {"register", "register_assign"}


@dataclass(frozen=True)
class StepAction:
    """How the admin offers one step: its button, its form and the service it calls."""

    code: str
    title: str | Promise
    permission: str
    form_class: type[sf.StepForm]
    run: Runner
    # Steps that close the appeal or cannot be undone get a warning colour.
    final: bool = False


def _register(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.register_appeal(appeal, user, questions=list(data["questions"]), comment=data["comment"])
    return gettext("Обращение зарегистрировано.")


def _assign(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.assign_appeal(appeal, user, department=data["department"], executor=data["executor"],
                           comment=data["comment"])
    return gettext("Обращение направлено на рассмотрение: %(department)s.") % {"department": data["department"]}


def _register_assign(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.register_and_assign(appeal, user, department=data["department"], executor=data["executor"],
                                 questions=list(data["questions"]), comment=data["comment"])
    return gettext("Обращение зарегистрировано и направлено на рассмотрение: %(department)s.") % {
        "department": data["department"]}


def _copies(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.send_copies(appeal, user, bodies=list(data["bodies"]), comment=data["comment"])
    return gettext("Копии обращения направлены: %(bodies)s. Заявитель уведомлён.") % {
        "bodies": "; ".join(str(body) for body in data["bodies"])
    }


def _return_complaint(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.return_complaint(appeal, user, comment=data["comment"])
    return gettext("Жалоба возвращена заявителю с разъяснением права обжалования в суде.")


def _redirect(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.redirect_appeal(appeal, user, body=data["body"], comment=data["comment"])
    return gettext("Обращение переадресовано: %(body)s. Заявитель уведомлён.") % {"body": data["body"]}


def _art11(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.decide_art11(appeal, user, case=data["case"], comment=data["comment"],
                          published_url=data["published_url"], forward_to=data["forward_to"],
                          notify=data["notify"], part1_reason=data["part1_reason"])
    return gettext("Решение по статье 11 принято.")


def _terminate(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.terminate_correspondence(appeal, user, comment=data["comment"])
    return gettext("Переписка прекращена (ч. 5 ст. 11).")


def _complaint_subject(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.set_complaint_subject(appeal, user, body=data["body"], department=data["department"],
                                   official=data["official"], comment=data["comment"])
    return gettext("Объект жалобы записан.")


def _link(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.link_appeals(appeal, user, others=data["numbers"], comment=data["comment"])
    return gettext("Обращения связаны: %(numbers)s.") % {"numbers": ", ".join(a.number for a in data["numbers"])}


def _request_documents(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    request = handling.request_documents(appeal, user, body=data["body"], text=data["text"])
    return gettext("Запрос направлен; срок ответа органа — %(due)s.") % {"due": f"{request.due:%d.%m.%Y}"}


def _documents_received(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.record_documents_received(data["request"], user, on=data["on"])
    return gettext("Ответ на запрос отмечен.")


def _extend(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    appeal = handling.extend_term(appeal, user, days=data["days"], reason=data["reason"])
    return gettext("Срок продлён до %(due)s. Заявитель уведомлён.") % {"due": f"{appeal.answer_due:%d.%m.%Y}"}


def _request_extension(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.request_extension(appeal, user, days=data["days"], reason=data["reason"])
    return gettext("Продление срока запрошено у руководителя.")


def _decline_extension(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.decline_extension(appeal, user, comment=data["comment"])
    return gettext("В продлении срока отказано; исполнитель увидит решение в истории обращения.")


def _draft_answer(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    remove = [enclosure.pk for enclosure in data.get("remove_files") or ()]
    if data.get("_and_submit"):
        # «Сохранить и передать на подпись»: one click instead of two steps.
        handling.save_and_submit_answer(appeal, user, text=data["text"], files=data["_accepted_files"],
                                        remove_files=remove, outcomes=data["_outcomes"])
        return gettext("Ответ сохранён и передан на подпись.")
    handling.save_answer_draft(appeal, user, text=data["text"], files=data["_accepted_files"], remove_files=remove,
                               outcomes=data["_outcomes"])
    return gettext("Проект ответа сохранён.")


def _submit_answer(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.submit_answer(appeal, user, comment=data["comment"], outcomes=data["_outcomes"])
    return gettext("Ответ передан на подпись.")


def _return_answer(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.return_answer(appeal, user, comment=data["comment"])
    return gettext("Ответ возвращён исполнителю.")


def _sign_answer(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    if data.get("_correct_only"):
        # «Сохранить правку»: the corrected text is kept (and in the history); the head reads the letter again.
        changed = handling.correct_answer(appeal, user, text=data.get("text") or "")
        return gettext("Правка сохранена; перечитайте письмо и подпишите.") if changed else gettext(
            "Текст не изменился.")
    answer = handling.sign_answer(appeal, user, signer_position=data["signer_position"],
                                  signer_name=data["signer_name"], results=data["_results"],
                                  outcomes=data["_outcomes"], text=data.get("text"))
    sf.remember_signer(user, data["signer_position"], data["signer_name"])
    return gettext("Ответ подписан, исх. № %(number)s, и направлен заявителю.") % {"number": answer.outgoing_number}


def _access_code(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.issue_access_code(appeal, user, comment=data["comment"])
    if handling.access_code_route(appeal) == "email":
        return gettext("Новый код доступа направлен заявителю по электронной почте.")
    return gettext("Новый код доступа напечатается в почтовом письме заявителю (очередь печати).")


def _withdraw(appeal: Appeal, user: Any, data: dict[str, Any]) -> str:
    handling.withdraw_appeal(appeal, user=user, comment=data["comment"])
    return gettext("Рассмотрение прекращено по заявлению гражданина.")


DOCUMENTS_RECEIVED = "documents_received"
# The draft form's second button: save and pass for signature at once.
AND_SUBMIT = sf.AND_SUBMIT
CORRECT_ONLY = sf.CORRECT_ONLY

STEP_ACTIONS: dict[str, StepAction] = {action.code: action for action in (
    StepAction("register_assign", _("Зарегистрировать и направить"), "register_appeal", sf.RegisterAssignForm,
               _register_assign),
    StepAction("register", _("Зарегистрировать"), "register_appeal", sf.RegisterForm, _register),
    StepAction("assign", _("Направить в подразделение"), "assign_appeal", sf.AssignForm, _assign),
    StepAction("redirect", _("Переадресовать по компетенции"), "redirect_appeal", sf.RedirectForm, _redirect,
               final=True),
    StepAction("copies", _("Направить копии (ч. 4 ст. 8)"), "redirect_appeal", sf.CopiesForm, _copies),
    StepAction("return_complaint", _("Вернуть жалобу (ч. 7 ст. 8)"), "redirect_appeal", sf.ReturnComplaintForm,
               _return_complaint, final=True),
    StepAction("art11", _("Оставить без ответа по существу (ст. 11)"), "decide_art11", sf.Art11Form, _art11,
               final=True),
    StepAction("terminate", _("Прекратить переписку (ч. 5 ст. 11)"), "terminate_correspondence",
               sf.TerminateForm, _terminate, final=True),
    StepAction("complaint_subject", _("Указать, на что жалоба"), "register_appeal", sf.ComplaintSubjectForm,
               _complaint_subject),
    StepAction("link", _("Связать с прежними"), "link_appeals", sf.LinkForm, _link),
    StepAction("request_documents", _("Запросить документы"), "request_documents", sf.RequestDocumentsForm,
               _request_documents),
    StepAction(DOCUMENTS_RECEIVED, _("Отметить ответ на запрос"), "request_documents", sf.DocumentsReceivedForm,
               _documents_received),
    StepAction("extend", _("Продлить срок"), "extend_term", sf.ExtendForm, _extend),
    StepAction("request_extension", _("Запросить продление срока"), "draft_answer", sf.RequestExtensionForm,
               _request_extension),
    StepAction("decline_extension", _("Отказать в продлении"), "extend_term", sf.DeclineExtensionForm,
               _decline_extension),
    StepAction("draft_answer", _("Подготовить ответ"), "draft_answer", sf.DraftAnswerForm, _draft_answer),
    StepAction("submit_answer", _("Передать на подпись"), "draft_answer", sf.SubmitAnswerForm, _submit_answer),
    StepAction("return_answer", _("Вернуть на доработку"), "sign_answer", sf.ReturnAnswerForm, _return_answer),
    StepAction("sign_answer", _("Подписать ответ"), "sign_answer", sf.SignAnswerForm, _sign_answer),
    StepAction("withdraw", _("Прекратить по заявлению гражданина"), "withdraw_appeal", sf.WithdrawForm, _withdraw,
               final=True),
    StepAction("access_code", _("Выдать новый код доступа"), "register_appeal", sf.AccessCodeForm, _access_code),
)}


def available_actions(appeal: Appeal, user: Any) -> list[StepAction]:
    """The buttons of the appeal's page: exactly what services.handling.available_steps allows.

    «Ответ на запрос получен» is not a step of its own in the services; it
    is offered with the same right as the request, while a request is open.
    """
    codes = handling.available_steps(appeal, user)
    if user.has_perm("appeals.request_documents") and access.can_see(user, appeal) \
            and any(request.answered_on is None for request in appeal.document_requests.all()):
        codes.append(DOCUMENTS_RECEIVED)
    return [STEP_ACTIONS[code] for code in codes if code in STEP_ACTIONS]


def appeal_url(appeal: Appeal) -> str:
    return reverse("admin:appeals_appeal_change", args=[appeal.pk])


def log_access(request: HttpRequest, appeal: Appeal, action: str, detail: str = "") -> None:
    """Write who saw or downloaded the appeal's personal data (152-FZ)."""
    # admin_view lets only logged-in staff through: the user is a real account.
    AccessLogEntry.objects.create(
        user=request.user, appeal=appeal, action=action, detail=detail[:300],  # type: ignore[misc]
    )


def step_view(model_admin: ModelAdmin, request: HttpRequest, appeal_id: int, code: str) -> HttpResponse:
    """Show a step's form; on POST run the step through its service and go back to the appeal."""
    action = STEP_ACTIONS.get(code)
    if action is None:
        raise Http404
    appeal = get_object_or_404(model_admin.get_queryset(request), pk=appeal_id)
    user = request.user
    if not user.has_perm(f"appeals.{action.permission}"):
        raise PermissionDenied
    if request.method == "POST":
        form = action.form_class(request.POST, request.FILES, appeal=appeal, user=user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            if isinstance(form, sf.SignAnswerForm):
                data["_results"] = form.results()
            if isinstance(form, sf.QuestionOutcomeFields):
                data["_outcomes"] = form.outcomes()
            data["_accepted_files"] = getattr(form, "accepted_files", [])
            data["_and_submit"] = AND_SUBMIT in request.POST
            data["_correct_only"] = CORRECT_ONLY in request.POST
            try:
                message = action.run(appeal, user, data)
            except AppealError as exc:
                # A refused outcome of one question goes next to its field.
                field = getattr(exc, "field", None)
                form.add_error(field if field in form.fields else None, str(exc))
            else:
                logger.info("appeal step=%s appeal=%s user=%s", code, appeal.pk, user.pk)
                messages.success(request, message)
                if data["_correct_only"] and code == "sign_answer":
                    return HttpResponseRedirect(reverse("admin:appeals_appeal_step", args=[appeal.pk, code]))
                return HttpResponseRedirect(appeal_url(appeal))
    else:
        if action not in available_actions(appeal, user):
            messages.warning(request, gettext("Действие «%(step)s» сейчас недоступно для этого обращения.")
                             % {"step": action.title})
            return HttpResponseRedirect(appeal_url(appeal))
        form = action.form_class(appeal=appeal, user=user)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": action.title,
        "appeal": appeal,
        "action": action,
        "form": form,
        "answer": Answer.objects.filter(appeal=appeal).first(),
        "media": model_admin.media + form.media,
        "extra_panels": collect_panels(Appeal, appeal=appeal, request=request, place="registration")
        if code in REGISTRATION_STEPS else [],
    }
    return TemplateResponse(request, "admin/appeals/appeal/step_form.html", context)


def _private_file(file: Any, name: str, content_type: str) -> FileResponse:
    response = FileResponse(file.open("rb"), as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def download_attachment(model_admin: ModelAdmin, request: HttpRequest, appeal_id: int,
                        attachment_id: int) -> FileResponse:
    """Serve a file to staff who may see the appeal; there is no public URL for it."""
    appeal = get_object_or_404(model_admin.get_queryset(request), pk=appeal_id)
    if not (model_admin.has_view_permission(request, appeal) and request.user.has_perm("appeals.download_attachment")):
        raise PermissionDenied
    attachment = get_object_or_404(Attachment, pk=attachment_id, appeal=appeal)
    log_access(request, appeal, AccessLogEntry.Action.DOWNLOAD, attachment.original_name)
    return _private_file(attachment.file, attachment.original_name, attachment.content_type)


def download_answer(model_admin: ModelAdmin, request: HttpRequest, appeal_id: int) -> FileResponse:
    """Serve the signed answer's PDF to staff who may see the appeal."""
    appeal = get_object_or_404(model_admin.get_queryset(request), pk=appeal_id)
    if not model_admin.has_view_permission(request, appeal):
        raise PermissionDenied
    answer = get_object_or_404(Answer, appeal=appeal, status=Answer.Status.SIGNED)
    if not answer.pdf:
        raise Http404
    name = f"{answer.outgoing_number or appeal.number}.pdf".replace("/", "-")
    log_access(request, appeal, AccessLogEntry.Action.DOWNLOAD, gettext("ответ %(name)s") % {"name": name})
    return _private_file(answer.pdf, name, "application/pdf")


def preview_answer(model_admin: ModelAdmin, request: HttpRequest, appeal_id: int) -> HttpResponse:
    """The answer not yet signed as the letter it will be (no number, no date), shown in the browser."""
    appeal = get_object_or_404(model_admin.get_queryset(request), pk=appeal_id)
    if not model_admin.has_view_permission(request, appeal):
        raise PermissionDenied
    answer = get_object_or_404(Answer, appeal=appeal)
    if answer.status == Answer.Status.SIGNED:
        raise Http404  # the signed letter is the answer's own PDF
    content = handling.preview_answer_pdf(appeal, request.user)
    log_access(request, appeal, AccessLogEntry.Action.DOWNLOAD, gettext("предпросмотр ответа"))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{appeal.pk}-preview.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def autosave_answer(model_admin: ModelAdmin, request: HttpRequest, appeal_id: int) -> JsonResponse:
    """Keep the draft's text as it is typed (answer-draft.js posts it every few seconds): JSON, never a page."""
    appeal = get_object_or_404(model_admin.get_queryset(request), pk=appeal_id)
    if request.method != "POST":
        return JsonResponse({"error": gettext("Только POST.")}, status=405)
    try:
        autosave = handling.autosave_answer(appeal, request.user, text=request.POST.get("text", ""))
    except AppealError as exc:
        return JsonResponse({"error": str(exc)}, status=409)
    saved = timezone.localtime(autosave.saved_at)
    return JsonResponse({"saved_at": f"{saved:%H:%M:%S}",
                         "message": gettext("Черновик сохранён автоматически в %(time)s.") % {
                             "time": f"{saved:%H:%M}"}})


def download_answer_file(model_admin: ModelAdmin, request: HttpRequest, appeal_id: int, file_id: int
                         ) -> FileResponse:
    """Serve an enclosure of the answer to staff who may see the appeal and download its files."""
    appeal = get_object_or_404(model_admin.get_queryset(request), pk=appeal_id)
    if not (model_admin.has_view_permission(request, appeal) and request.user.has_perm("appeals.download_attachment")):
        raise PermissionDenied
    enclosure = get_object_or_404(AnswerFile, pk=file_id, answer__appeal=appeal)
    log_access(request, appeal, AccessLogEntry.Action.DOWNLOAD,
               gettext("приложение к ответу %(name)s") % {"name": enclosure.original_name})
    return _private_file(enclosure.file, enclosure.original_name, enclosure.content_type)


def entry_view(model_admin: ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Enter an appeal that came by post, in person or through the Госуслуги platform."""
    if not request.user.has_perm("appeals.enter_appeal"):
        raise PermissionDenied
    form = sf.EntryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and ADD_COAUTHOR in request.POST:
        # "Добавить соавтора" without JavaScript: what was typed comes back with a blank row
        # (the scans are chosen again: a browser cannot give a file back).
        typed = {name: value for name, value in request.POST.items()
                 if name in form.fields and not name.startswith("coauthors-")}
        form = sf.EntryForm(initial={**typed, "coauthors": coauthor_rows_from(request.POST)})
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entered = handling.enter_appeal(
                request.user, channel=data["channel"], received_at=data["received_at"], topic=data["topic"],
                data=form.applicant_data(), scans=form.accepted_files, paper=form.paper_data(),
            )
        except AppealError as exc:
            form.add_error(None, str(exc))
        else:
            # The access code is shown once: only its hash is kept.
            messages.success(request, gettext(
                "Обращение внесено под номером %(number)s. Код доступа для заявителя: %(code)s — "
                "сообщите его заявителю, повторно он не показывается."
            ) % {"number": entered.appeal.number, "code": entered.access_code})
            return HttpResponseRedirect(appeal_url(entered.appeal))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Внести обращение, поступившее иным путём"),
        "form": form,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, "admin/appeals/appeal/entry_form.html", context)
