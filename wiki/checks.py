"""System checks: a page kind that is missing something the engine needs is
named at start-up (``manage.py check``), not found out by a reader."""

from django.apps import apps
from django.contrib import admin
from django.core import checks
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from wiki.admin import ModelAdmin
from wiki.models import Page, PageData, PageDataQuerySet, PageQuerySet


@checks.register()
def check_page_kinds(app_configs=None, **kwargs):
    errors = []
    prefixes = {}
    for _kind, model in sorted(Page.kinds().items()):
        if app_configs is None or model._meta.app_config in app_configs:
            errors += kind_errors(model, prefixes)
    return errors


def kind_errors(model, prefixes):
    """What page kind ``model`` lacks; ``prefixes`` maps the url_prefix of the
    kinds checked so far to their names, to find two kinds at one address."""
    errors = []
    name = model._meta.label
    if not model.url_prefix:
        errors.append(
            checks.Error(
                f"Page kind {name} has no url_prefix.",
                hint="Set url_prefix, e.g. 'songs' for pages at /songs/<slug>/.",
                obj=model,
                id="wiki.E001",
            )
        )
    elif model.url_prefix in prefixes:
        errors.append(
            checks.Error(
                f"Page kinds {prefixes[model.url_prefix]} and {name} share the url_prefix "
                f"{model.url_prefix!r}.",
                obj=model,
                id="wiki.E002",
            )
        )
    else:
        prefixes[model.url_prefix] = name
    if not isinstance(model._default_manager.all(), PageQuerySet):
        errors.append(
            checks.Error(
                f"Page kind {name}'s default manager does not make a PageQuerySet.",
                hint="Derive its QuerySet from wiki.models.PageQuerySet.",
                obj=model,
                id="wiki.E003",
            )
        )
    try:
        get_template(model.detail_template_name())
    except TemplateDoesNotExist:
        errors.append(
            checks.Error(
                f"Page kind {name} has no template {model.detail_template_name()!r}.",
                hint="Create it, extending page.html, or set template_name.",
                obj=model,
                id="wiki.E004",
            )
        )
    if model._meta.get_field("page_ptr").remote_field.related_name is None:
        errors.append(
            checks.Error(
                f"Page kind {name} does not declare page_ptr = page_link().",
                hint="Page.specific reaches a page's own kind through it.",
                obj=model,
                id="wiki.E005",
            )
        )
    return errors


@checks.register()
def check_page_data(app_configs=None, **kwargs):
    """Rows pages show keep the caches right only through PageDataQuerySet's bulk writes."""

    errors = []
    for model in apps.get_models():
        if issubclass(model, PageData) and not issubclass(model, Page):
            if app_configs is not None and model._meta.app_config not in app_configs:
                continue
            if not isinstance(model._default_manager.all(), PageDataQuerySet):
                errors.append(
                    checks.Error(
                        f"{model._meta.label}'s default manager does not make a PageDataQuerySet.",
                        hint="Derive its QuerySet from wiki.models.PageDataQuerySet.",
                        obj=model,
                        id="wiki.E006",
                    )
                )
    return errors


@checks.register(checks.Tags.admin)
def check_model_admins(app_configs=None, **kwargs):
    return model_admin_errors(admin.site)


def model_admin_errors(site):
    """Every admin of ``site`` derives from ``wiki.admin.ModelAdmin``, for which
    an address naming no object is a "not found", never a database error."""
    return [
        checks.Error(
            f"The admin of {model._meta.label} ({type(model_admin).__qualname__}) does not derive from "
            "wiki.admin.ModelAdmin.",
            hint="Derive it from wiki.admin.ModelAdmin, which refuses object ids the database cannot hold.",
            obj=type(model_admin),
            id="wiki.E007",
        )
        for model, model_admin in site._registry.items()
        if not isinstance(model_admin, ModelAdmin)
    ]
