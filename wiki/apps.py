from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_migrate


class WikiConfig(AppConfig):
    """The wiki engine: the page every kind shares and what every page has."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "wiki"
    verbose_name = "Wiki"

    def ready(self):
        from wiki import checks  # noqa: F401  (registers the page-kind checks)
        from wiki.models import Page, PageData
        from wiki.search.index import prune_after_migrate

        post_migrate.connect(prune_after_migrate, sender=self, dispatch_uid="wiki.search.prune")
        # Changing a many-to-many relation (a page's categories, a character's
        # affiliations) saves no model, so Django's signal is the only hook.
        for model in self.apps.get_models():
            if issubclass(model, Page | PageData):
                for field in model._meta.local_many_to_many:
                    m2m_changed.connect(
                        _relation_changed,
                        sender=field.remote_field.through,
                        dispatch_uid=f"wiki.generation:{field.remote_field.through._meta.label_lower}",
                    )


def _relation_changed(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        from wiki.models import Generation

        Generation.objects.advance()
