"""Ship the causes and measures of the complaint analysis (issue 11); the administrator edits them."""

from django.db import migrations

CAUSES = (
    "нарушение сроков",
    "ошибка сотрудника",
    "некорректное поведение сотрудника",
    "недостаток информации",
    "недостатки организации работы",
    "нехватка персонала или средств",
    "техническая неисправность",
    "нормативное ограничение",
    "необоснованная жалоба",
    "иное",
)

MEASURES = (
    "выговор",
    "замечание",
    "лишение стимулирующих выплат",
    "совещание",
    "изменение порядка",
    "иное",
)


def ship(apps, schema_editor):
    for model_name, titles in (("Cause", CAUSES), ("Measure", MEASURES)):
        model = apps.get_model("classifiers", model_name)
        for order, title in enumerate(titles, start=1):
            model.objects.get_or_create(title=title, defaults={"order": order * 10})


def unship(apps, schema_editor):
    for model_name, titles in (("Cause", CAUSES), ("Measure", MEASURES)):
        apps.get_model("classifiers", model_name).objects.filter(title__in=titles).delete()


class Migration(migrations.Migration):
    dependencies = [("classifiers", "0005_outcome_causes_measures")]

    operations = [migrations.RunPython(ship, unship)]
