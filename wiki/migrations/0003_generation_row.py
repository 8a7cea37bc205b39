"""The one row of ``Generation``, which every cached page is keyed by."""

from django.db import migrations


def create_row(apps, schema_editor):
    apps.get_model("wiki", "Generation").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("wiki", "0002_search_index"),
    ]

    operations = [
        migrations.RunPython(create_row, migrations.RunPython.noop),
    ]
