"""The shipped standard passages of answers, and the administrator's rights to edit them (issue 10 item 4)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

FRAGMENTS = [
    ("Рассмотрено по существу",
     "Ваше обращение рассмотрено по существу поставленных в нём вопросов в соответствии с Федеральным законом "
     "от 2 мая 2006 года № 59-ФЗ «О порядке рассмотрения обращений граждан Российской Федерации»."),
    ("Право представить дополнительные документы",
     "Вы вправе представить дополнительные документы и материалы либо обратиться с просьбой об их истребовании, "
     "в том числе в электронной форме (пункт 1 статьи 5 Федерального закона № 59-ФЗ)."),
    ("Право ознакомиться с документами",
     "Вы вправе знакомиться с документами и материалами, касающимися рассмотрения обращения, если это не "
     "затрагивает права, свободы и законные интересы других лиц и если в указанных документах и материалах не "
     "содержатся сведения, составляющие государственную или иную охраняемую федеральным законом тайну "
     "(пункт 2 статьи 5 Федерального закона № 59-ФЗ)."),
    ("Приняты меры",
     "По результатам рассмотрения обращения изложенные в нём доводы признаны обоснованными и приняты меры: "),
    ("Доводы не подтвердились",
     "Изложенные в обращении доводы проверены и не нашли подтверждения."),
]
GROUP = "Администратор"
CODENAMES = ["view_answerfragment", "add_answerfragment", "change_answerfragment", "delete_answerfragment"]


def forwards(apps, schema_editor):
    Fragment = apps.get_model("letters", "AnswerFragment")
    for order, (title, text) in enumerate(FRAGMENTS, start=1):
        Fragment.objects.get_or_create(title=title, defaults={"text": text, "order": order * 10})
    app_config = apps.get_app_config("letters")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="letters", codename__in=CODENAMES)
    for group in apps.get_model("auth", "Group").objects.filter(name=GROUP):
        group.permissions.add(*permissions)


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="letters", codename__in=CODENAMES)
    for group in apps.get_model("auth", "Group").objects.filter(name=GROUP):
        group.permissions.remove(*permissions)
    apps.get_model("letters", "AnswerFragment").objects.filter(title__in=[title for title, _ in FRAGMENTS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0010_answer_fragments"),
        # The role groups.
        ("appeals", "0003_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
