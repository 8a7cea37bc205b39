"""Affiliations become Membership rows, and affiliations and relationships
get the episodes that reveal and end them (wiki.reading).

The many-to-many table is kept and renamed, so no affiliation is lost; the
documented way to give an existing many-to-many field a through model."""

import django.db.models.deletion
from django.db import migrations, models

import wiki.models.records


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("characters", "0001_initial"),
        ("wiki", "0005_page_revealed_at_pagelink_revealed_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql="ALTER TABLE characters_character_affiliations RENAME TO characters_membership",
                    reverse_sql="ALTER TABLE characters_membership RENAME TO characters_character_affiliations",
                ),
            ],
            state_operations=[
                migrations.CreateModel(
                    name="Membership",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "character",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="memberships",
                                to="characters.character",
                            ),
                        ),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="memberships",
                                to="articles.organization",
                            ),
                        ),
                    ],
                    options={"ordering": ["character", "organization"]},
                ),
                migrations.AlterField(
                    model_name="character",
                    name="affiliations",
                    field=models.ManyToManyField(
                        blank=True, related_name="members", through="characters.Membership", to="articles.organization"
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="membership",
            name="revealed_at",
            field=wiki.models.records.RevealField(
                blank=True, help_text="Empty: known from the premise.", null=True, verbose_name="revealed in"
            ),
        ),
        migrations.AddField(
            model_name="membership",
            name="ended_at",
            field=wiki.models.records.RevealField(
                blank=True, help_text="Empty: it still holds at the end of the story.", null=True, verbose_name="ended in"
            ),
        ),
        migrations.AddField(
            model_name="characterrelationship",
            name="revealed_at",
            field=wiki.models.records.RevealField(
                blank=True, help_text="Empty: known from the premise.", null=True, verbose_name="revealed in"
            ),
        ),
        migrations.AddField(
            model_name="characterrelationship",
            name="ended_at",
            field=wiki.models.records.RevealField(
                blank=True, help_text="Empty: it still holds at the end of the story.", null=True, verbose_name="ended in"
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(fields=("character", "organization"), name="membership_unique"),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("ended_at__isnull", True),
                    ("revealed_at__isnull", True),
                    ("ended_at__gt", models.F("revealed_at")),
                    _connector="OR",
                ),
                name="membership_ends_after_it_starts",
            ),
        ),
        migrations.AddConstraint(
            model_name="characterrelationship",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("ended_at__isnull", True),
                    ("revealed_at__isnull", True),
                    ("ended_at__gt", models.F("revealed_at")),
                    _connector="OR",
                ),
                name="relationship_ends_after_it_starts",
            ),
        ),
    ]
