"""The shipped list of words for art. 11 part 3 (the administrator edits it): a start, not a dictionary."""

from django.db import migrations

# (text, category, match): «root» finds the text inside a word (obscene roots
# take prefixes: «от-», «за-»), «prefix» at a word's start, «phrase» the
# starts of consecutive words.
WORDS = [
    *[(root, "obscene", "root") for root in (
        "хуй", "хуе", "хуя", "пизд", "ебан", "ебат", "ебал", "еблан", "ебну", "бляд", "блят", "мудак", "мудил",
        "долбоеб", "гандон", "пидор", "пидар", "залуп", "манда", "сучар")],
    *[(word, "offensive", "prefix") for word in (
        "идиот", "дебил", "кретин", "мразь", "мрази", "ублюд", "уроды", "тварь", "твари", "подонок", "подонки",
        "скотина", "скоты", "негодя", "придур", "дегенерат", "быдло", "сволоч", "ничтожеств", "сука", "суки",
        "дура", "дураки", "козлы", "холуи", "шакалы", "паразиты", "бездари")],
    *[(word, "threat", "prefix") for word in (
        "убью", "прибью", "пристрелю", "зарежу", "сожгу", "подожгу", "взорву", "закопаю", "покалечу", "урою",
        "замочу", "придушу", "задушу")],
    *[(phrase, "threat", "phrase") for phrase in (
        "доберусь до ваш", "доберусь до тебя", "вам не жить", "тебе не жить", "знаю где вы жив", "знаю где ты жив",
        "знаю где живет", "не поздоров", "переломаю", "пущу кровь", "убить вас", "убить тебя", "вашим детям",
        "вашей семье не", "вашу семью", "ответите кровью", "голову оторву", "голову проломлю")],
]


def add_words(apps, schema_editor):
    word = apps.get_model("suggestions", "ScreeningWord")
    for text, category, match in WORDS:
        word.objects.get_or_create(text=text, defaults={"category": category, "match": match})


def remove_words(apps, schema_editor):
    apps.get_model("suggestions", "ScreeningWord").objects.filter(text__in=[text for text, _c, _m in WORDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0001_author_keys_proposals")]

    operations = [migrations.RunPython(add_words, remove_words)]
