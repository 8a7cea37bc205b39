"""Template helpers shared by every reader page: dates as precise as the source,
moments of edits, and the admin link of a page."""

import re

from django import template
from django.urls import reverse
from django.utils import dateformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from wiki.markup import UNMET_TEXT, render_markdown
from wiki.models import Page, TitleResolver

register = template.Library()

_CITATION = re.compile(r'<sup class="reference"[^>]*>.*?</sup>', re.DOTALL)

DATE_FORMATS = {"day": ("%Y-%m-%d", "{d.day} {d:%B} {d.year}"), "month": ("%Y-%m", "{d:%B} {d.year}")}


@register.filter
def page_link(page):
    """A link to ``page``, or, if the reader has not met its subject yet at
    their limit (``wiki.reading``), a stand-in that gives nothing away."""
    if page is None:
        return ""
    if not page.is_met():
        return format_html('<span class="unmet">{}</span>', UNMET_TEXT)
    return format_html('<a href="{}">{}</a>', page.get_absolute_url(), page.title)


@register.filter
def page_links(pages):
    """``page_link`` for each of ``pages``: a list if there is more than one.
    A filter rather than an included template: a cast table has two such
    cells a row."""
    links = [page_link(page) for page in pages]
    if len(links) > 1:
        return format_html(
            '<ul class="plain-list">{}</ul>', format_html_join("", "<li>{}</li>", ((link,) for link in links))
        )
    return mark_safe("".join(links))


@register.filter
def partial_date(value, precision="day"):
    """A date as a <time> element showing only as much as is known: "3 December 2018",
    "March 2021" or "2021"."""
    if not value:
        return ""
    machine, human = DATE_FORMATS.get(precision, ("%Y", "{d.year}"))
    return format_html('<time datetime="{}">{}</time>', value.strftime(machine), human.format(d=value))


@register.filter(expects_localtime=True)
def timestamp(value):
    """A moment (a revision's save) as a <time> element: "3 December 2018, 14:05"."""
    if not value:
        return ""
    return format_html(
        '<time datetime="{}">{}</time>',
        dateformat.format(value, r"Y-m-d\TH:i:sO"),
        dateformat.format(value, "j F Y, H:i"),
    )


@register.filter
def admin_change_url(page):
    """The admin change page of ``page``'s own kind."""
    opts = page._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[page.pk])


@register.filter
def markdown(text):
    """Markdown text that is not a page's lead or body (a category description), rendered safely."""
    return render_markdown(text, resolver=TitleResolver())


@register.filter
def kind_plural(kind):
    """ "Characters", "People"... for a page kind, from the model's own plural name."""
    return capfirst(Page.model_for_kind(kind)._meta.verbose_name_plural)


@register.filter
def without_citations(html):
    """A page's rendered lead shown on another page (a table row): its citation markers
    point at the references of its own page, and their ids would repeat on this one."""
    # Removing whole elements from sanitised HTML leaves it sanitised.
    return mark_safe(_CITATION.sub("", str(html)))
