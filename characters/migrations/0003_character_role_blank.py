"""A character's role may be empty: the source assigns a role only to the
characters its Characters section lists under one (issue 14); the others are
grouped as "Other characters"."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("characters", "0002_story_facts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="character",
            name="role",
            field=models.CharField(
                blank=True,
                choices=[
                    ("main", "Main character"),
                    ("supporting", "Supporting character"),
                    ("antagonist", "Antagonist"),
                    ("minor", "Minor character"),
                    ("", "Other character"),
                ],
                max_length=20,
            ),
        ),
    ]
