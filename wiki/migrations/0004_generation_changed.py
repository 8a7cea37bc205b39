from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wiki", "0003_generation_row"),
    ]

    operations = [
        migrations.AddField(
            model_name="generation",
            name="changed",
            field=models.BigIntegerField(
                default=0, help_text="When content last changed, in seconds since 1970 (Last-Modified)."
            ),
        ),
    ]
