"""Give appeals received before case handling existed their registration term.

Until 0002 an appeal had no due dates; those still waiting for registration
get theirs now, so that the lists, the flags and the reminders see them.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def backfill(apps, schema_editor):
    from appeals import deadlines

    Appeal = apps.get_model("appeals", "Appeal")
    CalendarDay = apps.get_model("classifiers", "CalendarDay")
    calendar = deadlines.WorkCalendar(dict(CalendarDay.objects.values_list("date", "is_working")))
    rule = deadlines.ShiftRule(settings.APPEALS_DEADLINE_RULE)
    waiting = Appeal.objects.filter(closed_at__isnull=True, registered_at__isnull=True, next_due__isnull=True)
    for appeal in waiting.only("pk", "received_at").iterator(chunk_size=2000):
        due = deadlines.compute_due(timezone.localdate(appeal.received_at), deadlines.REGISTRATION, calendar, rule)
        Appeal.objects.filter(pk=appeal.pk).update(registration_due=due.due, next_due=due.due)


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0006_answer_files"),
        ("classifiers", "0003_external_bodies_calendar"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
