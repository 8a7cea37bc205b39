"""Template helpers for links between pages: the "Redirected from" note and
reference addresses safe to put in an ``href``."""

from urllib.parse import urlsplit

from django import template

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
