"""Template helpers for links between pages: the "Redirected from" note and
reference addresses safe to put in an ``href``."""

import functools
from urllib.parse import urlsplit

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from wiki import params
from wiki.titles import TITLE_MAX_LENGTH, normalize_title

register = template.Library()


@register.simple_tag(takes_context=True)
def redirected_from(context, page):
    """The alias the reader arrived through (``?redirectfrom=`` from
    ``wiki:go``), spelled as the alias is; "" unless it is one of ``page``'s aliases."""
    request = context.get("request")
    name = normalize_title(request.GET.get("redirectfrom", "")) if request is not None else ""
    if not name or page is None or page.pk is None:
        return ""
    try:
        # A name no alias can have (a NUL, which PostgreSQL refuses) is no alias: no note.
        params.text("redirectfrom", name, max_length=TITLE_MAX_LENGTH)
    except params.BadParameter:
        return ""
    return page.aliases.filter(title__iexact=name).values_list("title", flat=True).first() or ""


@register.filter
def web_address(url):
    """``url`` if it is an http(s) address, else "": a reference's address is
    data, and only a web address may become a link."""
    url = (url or "").strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in ("http", "https") and "\n" not in url and "\t" not in url else ""


@register.simple_tag
def reference_items(references):
    """The ``<li>`` of a References list (``CitedSource`` entries), as safe HTML.

    Built here rather than in a template, as the admin builds its result rows
    (``items_for_result``): a long page cites some 60 sentences, and a template
    loop over them cost a fifth of the page's render."""
    return format_html_join("\n", "{}", ((_reference_item(reference),) for reference in references))


def _reference_item(reference):
    if reference.unit is not None:
        return _unit_reference_item(
            reference.number,
            tuple(reference.backlinks),
            reference.unit,
            reference.quote,
            reference.revealed_in,
            reference.source_url,
        )
    return _list_item(reference.number, reference.backlinks, _note_body(reference))


# A sentence of the source is cited with the same number by the same page on
# every request, and at every reading limit that shows it: the item is kept.
@functools.lru_cache(maxsize=4096)
def _unit_reference_item(number, backlinks, unit, quote, revealed_in, source_url):
    if revealed_in:
        sentence = format_html(
            '<span class="reference-hidden">The source sentence is hidden at your reading limit, '
            "until {}.</span>",
            revealed_in,
        )
    else:
        sentence = format_html('<q class="reference-quote">{}</q>', quote)
    place = unit.section_label
    if unit.is_row:
        place = f"{place}, table row {unit.row[0]}"
    if unit.notes:
        place = f"{place}; source notes {''.join(f'[{note}]' for note in unit.notes)}"
    body = format_html(
        '{}\n  <span class="reference-place">{}.</span>\n'
        '  <a class="reference-source" href="{}">In the source text</a>',
        sentence,
        place,
        source_url,
    )
    return _list_item(number, backlinks, body)


def _list_item(number, backlinks, body):
    if len(backlinks) == 1:
        links = format_html('<a href="#{}" aria-label="Back to the text">↑</a>', backlinks[0][0])
    else:
        links = format_html(
            "↑{}",
            format_html_join(
                "",
                ' <a href="#{}" aria-label="Back to citation {}">{}</a>',
                ((anchor, label, label) for anchor, label in backlinks),
            ),
        )
    return format_html(
        '<li id="cite-note-{}" value="{}">\n  <span class="reference-backlinks">{}</span>\n  {}\n</li>',
        number,
        number,
        links,
        body,
    )


def _note_body(reference):
    note = reference.reference
    if note is None:
        return format_html('<span class="citation-error">Unknown source sentence: {}</span>', reference.key)
    url = web_address(note.url)
    parts = []
    if note.title:
        if url:
            parts.append(format_html('<a class="external" href="{}" rel="nofollow">{}</a>', url, note.title))
        else:
            parts.append(format_html("<cite>{}</cite>", note.title))
    elif url:
        parts.append(format_html('<a class="external" href="{}" rel="nofollow">{}</a>', url, url))
    if note.publisher:
        parts.append(format_html('<span class="reference-publisher">{}</span>', note.publisher))
    if note.published:
        parts.append(
            format_html(
                '<time datetime="{}">{}</time>',
                note.published.isoformat(),
                date_format(note.published, "j F Y"),
            )
        )
    if not parts:
        return format_html(
            '<span class="reference-unknown">Note [{}] of the source text.</span>', note.number
        )
    return mark_safe(".\n  ".join(parts))
