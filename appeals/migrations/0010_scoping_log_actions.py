# The access log's actions: a letter's page and the log's own pages are written to it too.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('appeals', '0009_history_guard'),
    ]

    operations = [
        migrations.AlterField(
            model_name='accesslogentry',
            name='action',
            field=models.CharField(choices=[('view', 'просмотр'), ('download', 'скачивание файла'), ('change', 'действие'), ('view_letter', 'просмотр письма'), ('view_log', 'просмотр журнала доступа')], max_length=16, verbose_name='что'),
        ),
    ]
