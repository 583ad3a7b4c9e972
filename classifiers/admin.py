"""Admin of the reference books: topics (with CSV import), the institution, the intake notes."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from classifiers.codes import QUESTION_LEVEL
from classifiers.importer import TopicImportError, import_topics, parse_topics_csv
from classifiers.models import CalendarDay, Cause, ExternalBody, Institution, IntakeNote, Measure, Topic

# A full classifier is a few hundred kilobytes; anything far larger is a wrong file.
IMPORT_MAX_BYTES = 5 * 1024 * 1024


class TopicImportForm(forms.Form):
    file = forms.FileField(
        label=_("Файл CSV"),
        help_text=_(
            "Заголовок «code,title», по желанию столбцы «offered» (1/0) и «sort_order». "
            "Кодировка UTF-8, разделитель «,» или «;»."
        ),
    )
    offer = forms.BooleanField(
        label=_("Предлагать на форме все вопросы файла"),
        required=False,
        help_text=_("Для строк, где столбец offered не заполнен."),
    )
    retire_missing = forms.BooleanField(
        label=_("Вывести из употребления темы, которых нет в файле"),
        required=False,
        help_text=_("Темы не удаляются: они остаются в прежних обращениях."),
    )
    dry_run = forms.BooleanField(label=_("Пробный запуск (ничего не записывать)"), required=False)

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("Файл слишком большой."), code="too_big")
        return upload.read()


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "level", "is_offered", "is_active")
    list_display_links = ("code",)
    list_editable = ("is_offered", "is_active")
    list_filter = ("level", "is_offered", "is_active")
    search_fields = ("code", "title")
    ordering = ("code",)
    # Topic.save() compares the parent's code with the derived one.
    list_select_related = ("parent",)
    list_per_page = 100
    fields = ("code", "title", "level", "parent", "is_offered", "is_active", "sort_order")
    actions = ("offer_on_form", "withdraw_from_form", "retire")
    change_list_template = "admin/classifiers/topic/change_list.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Topic | None = None) -> list[str]:
        # Appeals keep the code in their snapshot: a new code is a new topic.
        return ["code", "level", "parent"] if obj is not None else ["level", "parent"]

    @admin.action(description=_("Предлагать на форме"), permissions=["change"])
    def offer_on_form(self, request: HttpRequest, queryset: QuerySet[Topic]) -> None:
        eligible = queryset.filter(level=QUESTION_LEVEL, is_active=True)
        skipped = queryset.count() - eligible.count()
        done = eligible.update(is_offered=True)
        self.message_user(
            request,
            gettext("Предлагаются на форме тем: %(count)d.") % {"count": done},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                gettext("Пропущено тем: %(count)d. Предлагать можно только действующие вопросы (4-й уровень).")
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(description=_("Убрать с формы"), permissions=["change"])
    def withdraw_from_form(self, request: HttpRequest, queryset: QuerySet[Topic]) -> None:
        done = queryset.filter(is_offered=True).update(is_offered=False)
        self.message_user(
            request,
            gettext("Убрано с формы тем: %(count)d.") % {"count": done},
            messages.SUCCESS,
        )

    @admin.action(description=_("Вывести из употребления"), permissions=["change"])
    def retire(self, request: HttpRequest, queryset: QuerySet[Topic]) -> None:
        done = queryset.filter(is_active=True).update(is_active=False, is_offered=False)
        self.message_user(
            request,
            gettext("Выведено из употребления тем: %(count)d. В прежних обращениях они сохраняются.") % {"count": done},
            messages.SUCCESS,
        )

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {"can_import": self._can_import(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def _can_import(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name=f"{info[0]}_{info[1]}_import"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Import topics from an uploaded CSV file, as the import_topics command does."""
        if not self._can_import(request):
            raise PermissionDenied
        form = TopicImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                rows = parse_topics_csv(form.cleaned_data["file"])
                summary = import_topics(
                    Topic,
                    rows,
                    offer=form.cleaned_data["offer"],
                    retire_missing=form.cleaned_data["retire_missing"],
                    dry_run=form.cleaned_data["dry_run"],
                )
            except TopicImportError as exc:
                for error in exc.errors:
                    form.add_error(None, error)
            else:
                self.message_user(request, str(summary), messages.SUCCESS)
                if summary.dry_run:
                    return HttpResponseRedirect(request.path)
                return HttpResponseRedirect(reverse("admin:classifiers_topic_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Импорт тем классификатора"),
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/classifiers/topic/import_form.html", context)


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("short_name", "full_postal_address", "email", "website")
    fields = ("short_name", "full_name", "postal_index", "postal_address", "email", "website", "phone",
              "consent_label")
    formfield_overrides: ClassVar = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One row, made by migration 0002_mglu_defaults.
        return super().has_add_permission(request) and not Institution.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Institution | None = None) -> bool:
        # Letters and notices print these details.
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """Go straight to the single row: a list of one is one click too many."""
        institution = Institution.objects.first()
        if institution is not None:
            return HttpResponseRedirect(reverse("admin:classifiers_institution_change", args=[institution.pk]))
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("почтовый адрес"))
    def full_postal_address(self, obj: Institution) -> str:
        return obj.full_postal_address


@admin.register(IntakeNote)
class IntakeNoteAdmin(admin.ModelAdmin):
    list_display = ("excerpt", "number", "sort_order", "is_published")
    list_display_links = ("excerpt",)
    list_editable = ("sort_order", "is_published")
    list_filter = ("is_published",)
    search_fields = ("title", "text")
    fields = ("number", "title", "text", "is_published", "sort_order")

    @admin.display(description=_("пояснение"))
    def excerpt(self, obj: IntakeNote) -> str:
        return Truncator(obj.title or obj.text).chars(90)


@admin.register(ExternalBody)
class ExternalBodyAdmin(admin.ModelAdmin):
    """Bodies appeals are redirected to (art. 8 part 3) and documents requested from (art. 10 part 2)."""

    list_display = ("name", "kind", "email", "postal_address", "is_law_enforcement", "is_active")
    list_filter = ("kind", "is_law_enforcement", "is_active")
    search_fields = ("name", "email")
    fields = ("name", "name_genitive", "kind", "postal_address", "email", "is_law_enforcement", "is_active")

    def has_delete_permission(self, request: HttpRequest, obj: ExternalBody | None = None) -> bool:
        # Appeals and requests keep the body: retire it instead (is_active).
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The administrator's corrections of the working-day calendar; saving one recomputes open terms."""

    list_display = ("date", "is_working", "note")
    list_filter = ("is_working",)
    search_fields = ("note",)
    date_hierarchy = "date"
    fields = ("date", "is_working", "note")


class OutcomeBookAdmin(admin.ModelAdmin):
    """A reference book of the complaint analysis: the officials choose from the active rows."""

    list_display = ("title", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("title",)
    fields = ("title", "order", "is_active")

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        # Questions keep the row (on_delete=PROTECT) and the reports count by it: retire it instead.
        return False


@admin.register(Cause)
class CauseAdmin(OutcomeBookAdmin):
    pass


@admin.register(Measure)
class MeasureAdmin(OutcomeBookAdmin):
    pass
