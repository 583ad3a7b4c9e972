"""Load the institution's defaults: its topics, its details, the notes above the form.

The texts are the institution's own (ФГБОУ ВО МГЛУ, the form on its site),
copied verbatim, so they live here, frozen, not in the app's modules. The
topics come from classifiers/data/mglu_topics.csv through the same importer
the import_topics command uses; editing that file later does not change a
database that has already run this migration (use the command for that).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from classifiers.importer import import_topics, parse_topics_csv

TOPICS_CSV = Path(__file__).resolve().parent.parent / "data" / "mglu_topics.csv"

INSTITUTION: dict[str, Any] = {
    "short_name": "ФГБОУ ВО МГЛУ",
    "full_name": (
        "Федеральное государственное бюджетное образовательное учреждение высшего образования "
        "«Московский государственный лингвистический университет»"
    ),
    "postal_address": "г. Москва, ул. Остоженка, д. 38, стр. 1",
    "postal_index": "119034",
    # The administrator must check the e-mail and the site: the reference form
    # gives neither; these were supplied with the task, not read off the form.
    "email": "info@linguanet.ru",
    "website": "https://www.linguanet.ru",
    # The form gives no phone; the administrator fills it in.
    "phone": "",
}


def _paragraphs(*paragraphs: str) -> str:
    """Join paragraphs with a blank line, as the template's |linebreaks expects."""
    return "\n\n".join(paragraphs)


# (number, title, text) in the order of the institution's page: the
# introduction, points 1-11, then the closing paragraphs. Texts are verbatim,
# including the source's own slips (point 6 says "№ 59" without "-ФЗ").
NOTES: list[tuple[int | None, str, str]] = [
    (
        None,
        "",
        _paragraphs(
            (
                "Обращения граждан в адрес ФГБОУ ВО МГЛУ могут быть:\n"
                "- отправлены по почте в адрес ФГБОУ ВО МГЛУ: 119034, г. Москва, ул. Остоженка дом 38 "
                "стр.1;\n"
                "- отправлены в электронном виде через официальный сайт ФГБОУ ВО МГЛУ."
            ),
        ),
    ),
    (
        None,
        ("Информация для ознакомления, желающим отправить обращение в форме электронного документа"),
        _paragraphs(
            (
                "Пожалуйста, прежде чем отправить обращение в форме электронного документа, внимательно "
                "ознакомьтесь со следующей информацией."
            ),
        ),
    ),
    (
        1,
        "",
        _paragraphs(
            (
                "Обращения, направленные в форме электронного документа через официальный сайт, поступают "
                "на рассмотрение должностным лицам ФГБОУ ВО МГЛУ."
            ),
        ),
    ),
    (
        2,
        "",
        _paragraphs(
            (
                "Перед отправкой обращения в форме электронного документа необходимо корректно заполнить "
                "электронную форму."
            ),
        ),
    ),
    (
        3,
        "",
        _paragraphs(
            (
                "Ответ на Ваше обращение либо уведомление о его переадресации направляется в форме "
                "электронного документа по адресу электронной почты (e-mail), указанному Вами."
            ),
        ),
    ),
    (
        4,
        "",
        _paragraphs(
            (
                "В предназначенном для обязательного заполнения поле ввода текста обращения в форме "
                "электронного документа Вы излагаете суть предложения, заявления или жалобы в "
                "соответствии со ст. 7 Федерального закона от 2 мая 2006 года № 59-ФЗ «О порядке "
                "рассмотрения обращений граждан Российской Федерации»."
            ),
            (
                "В случае, если текст Вашего обращения не позволяет определить суть предложения, "
                "заявления или жалобы, ответ на обращение не дается, и оно не подлежит направлению на "
                "рассмотрение в государственный орган, орган местного самоуправления или должностному "
                "лицу, в соответствии с их компетенцией, о чем Вам будет сообщено в течение семи дней со "
                "дня регистрации обращения."
            ),
            (
                "Обращаем внимание, что в целях обеспечения неразглашения сведений, содержащихся в Вашем "
                "обращении, а также сведений, касающихся Вашей частной жизни, при заполнении поля ввода "
                "текста обращения в форме электронного документа действует защита от возможного внедрения "
                "вирусных программ."
            ),
        ),
    ),
    (
        5,
        "",
        _paragraphs(
            (
                "В случае необходимости в подтверждение своих доводов Вы вправе приложить к обращению "
                "необходимые документы и материалы в электронной форме."
            ),
            ("Приложить необходимые документы и материалы в электронной форме Вы можете в PDF, JPG, JPEG."),
            ("Иные форматы не обрабатываются в информационных системах ФГБОУ ВО МГЛУ."),
            (
                "Информируем Вас, что гарантированная передача файла(ов) вложения на почтовый сервер "
                "зависит от пропускной способности используемой Вами сети «Интернет», а получение – от "
                "объёма обрабатываемых почтовым сервером переданных файлов."
            ),
            (
                "При подключении Вашего оборудования к сети «Интернет» по выделенным каналам связи с "
                "использованием технологий ADSL, 3G, 4G, WiFi и иных технологий, обеспечивающих "
                "аналогичные скорости передачи данных в сети «Интернет», передача и обработка файла(ов) с "
                "суммарным размером:\n"
                "до 5 Мб осуществляется, как правило, без задержки во времени;\n"
                "от 5 Мб до 10 Мб может осуществляться с задержкой во времени;\n"
                "свыше 10 Мб может быть не осуществлена."
            ),
        ),
    ),
    (
        6,
        "",
        _paragraphs(
            (
                "Если в направленном Вами тексте в форме электронного документа, содержащемся в поле "
                "ввода текста обращения в форме электронного документа, не изложено предложение, "
                "заявление или жалоба, а только ссылка на приложение (файл вложение) либо на контент "
                "интернет-сайта, то в ответе разъясняется порядок его рассмотрения, установленный "
                "Федеральным законом от 2 мая 2006 года № 59 «О порядке рассмотрения обращений граждан "
                "Российской Федерации»."
            ),
        ),
    ),
    (
        7,
        "",
        _paragraphs(
            (
                "Обращаем Ваше внимание на порядок рассмотрения отдельных обращений, предусмотренный ст. "
                "11 Федерального закона от 2 мая 2006 года № 59-ФЗ «О порядке рассмотрения обращений "
                "граждан Российской Федерации»."
            ),
        ),
    ),
    (
        8,
        "",
        _paragraphs(
            (
                "При направлении Вами обращений, касающихся обжалования судебных решений, необходимо "
                "иметь в виду следующее."
            ),
            (
                "Согласно Конституции Российской Федерации правосудие в России осуществляется только "
                "судом. Органы судебной власти самостоятельны и действуют независимо от законодательной и "
                "исполнительной властей. Решения судебных органов обжалуются в установленном законом "
                "процессуальном порядке."
            ),
        ),
    ),
    (
        9,
        "",
        _paragraphs(
            (
                "В случае направления Вами обращения, содержащего вопрос, затрагивающий интересы "
                "неопределенного круга лиц, ответ на который был размещен на данном сайте, то Вам в "
                "течение семи дней со дня регистрации обращения будет сообщен электронный адрес страницы "
                "данного сайта на которой размещен ответ на вопрос, поставленный в Вашем обращении."
            ),
        ),
    ),
    (
        10,
        "",
        _paragraphs(
            (
                "Информация о персональных данных авторов обращений, направленных в форме электронного "
                "документа, сведения, содержащиеся в обращениях авторов, а также сведения, касающиеся "
                "частной жизни авторов, хранятся и обрабатываются с соблюдением требований российского "
                "законодательства."
            ),
        ),
    ),
    (
        11,
        "",
        _paragraphs(
            (
                "Предусмотрена возможность просмотра сайта на различных устройствах – от смартфонов и "
                "планшетов до широкоформатных мониторов. А при ширине окна браузера выше 1570 пикселей Вы "
                "можете читать материалы сайта, сохраняя при этом доступ к навигации по странице, с "
                "которой Вы перешли на выбранную публикацию."
            ),
        ),
    ),
    (
        None,
        "",
        _paragraphs(
            (
                "Адрес для отправки обращений в письменной форме в ФГБОУ ВО МГЛУ обычной почтой: 119034, "
                "г. Москва, ул. Остоженка дом 38 стр.1."
            ),
        ),
    ),
    (
        None,
        "",
        _paragraphs(
            (
                "Рассмотрение обращения осуществляется с соблюдением требований законодательства о "
                "недопущении разглашения сведений, содержащихся в обращении, а также сведений, касающихся "
                "частной жизни гражданина."
            ),
        ),
    ),
    (
        None,
        "",
        _paragraphs(
            (
                "В соответствии с частью 1 статьи 7 Федерального закона от 2 мая 2006 года № 59-ФЗ «О "
                "порядке рассмотрения обращений граждан Российской Федерации» гражданин в своем обращении "
                "в обязательном порядке излагает суть предложения, заявления или жалобы."
            ),
        ),
    ),
    (
        None,
        "",
        _paragraphs(
            (
                "Обращаем Ваше внимание, что в целях объективного и всестороннего рассмотрения Вашего "
                "обращения рекомендуется в тексте обращения указывать адрес описанного Вами места "
                "действия, факта или события."
            ),
        ),
    ),
]


def load_defaults(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Create the topics, the institution row and the notes."""
    db = schema_editor.connection.alias
    import_topics(apps.get_model("classifiers", "Topic"), parse_topics_csv(TOPICS_CSV.read_bytes()), using=db)
    Institution = apps.get_model("classifiers", "Institution")
    Institution.objects.using(db).create(pk=1, **INSTITUTION)
    IntakeNote = apps.get_model("classifiers", "IntakeNote")
    IntakeNote.objects.using(db).bulk_create(
        IntakeNote(number=number, title=title, text=text, is_published=True, sort_order=(index + 1) * 10)
        for index, (number, title, text) in enumerate(NOTES)
    )


def unload_defaults(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Delete what load_defaults created, so that 0001 finds empty tables again."""
    db = schema_editor.connection.alias
    # Children before parents: Topic.parent is PROTECT. Topics imported later
    # with the command stay; a shipped topic that an appeal or a later-imported
    # child still uses blocks the rollback, which is what PROTECT is for.
    Topic = apps.get_model("classifiers", "Topic")
    codes = {row.code for row in parse_topics_csv(TOPICS_CSV.read_bytes())}
    for topic in Topic.objects.using(db).filter(code__in=codes).order_by("-level"):
        topic.delete()
    apps.get_model("classifiers", "Institution").objects.using(db).all().delete()
    # The notes exist only because of this migration (edited or not), so all go.
    apps.get_model("classifiers", "IntakeNote").objects.using(db).all().delete()


class Migration(migrations.Migration):
    dependencies = (("classifiers", "0001_initial"),)

    operations = (migrations.RunPython(load_defaults, unload_defaults),)
