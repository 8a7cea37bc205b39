"""The head tags search engines and link previews read: ``{% page_seo as seo %}``
gives ``includes/seo.html`` the canonical address, description, Open Graph type
and JSON-LD of the page being shown; the filters put text into the head's
attributes, escaped for them (``wiki.seo.attribute_text``)."""

from urllib.parse import urlencode

from django import template
from django.conf import settings

from wiki import seo

register = template.Library()

# Pages that exist for editors and readers but should not be search results
# of their own: they only repeat or list other pages' text.
NOINDEX_VIEWS = frozenset(
    {
        "wiki:search",
        "wiki:history",
        "wiki:diff",
        "wiki:backlinks",
        "wiki:recent",
        "wiki:random",
        "wiki:go",
    }
)


@register.filter
def attribute_text(text):
    """Plain text (never HTML) escaped for an attribute value:
    ``content="{{ seo.title|attribute_text }}"``."""
    return seo.attribute_text(text)


@register.filter
def meta_description(page):
    """The start of ``page``'s lead as plain text, for ``<meta name="description">``."""
    return seo.attribute_text(seo.description(page))


@register.filter
def markdown_description(text):
    """The start of editor-written Markdown (a category's description) as plain
    text, for ``<meta name="description">``."""
    return seo.attribute_text(seo.summary(seo.markdown_text(text)))


@register.simple_tag(takes_context=True)
def page_seo(context):
    request = context.get("request")
    if request is None:
        return {}
    match = getattr(request, "resolver_match", None)
    # An address that matched no URL pattern has nothing to recommend.
    if match is None:
        return {"noindex": True}
    page = seo.page_of_request(context)
    if page is None:
        path = request.path
        # The page number the view paginated by, never the address's text as typed.
        page_obj = context.get("page_obj")
        if page_obj is not None and page_obj.number > 1:
            path = f"{path}?{urlencode({'page': page_obj.number})}"
        category = context.get("category")
        title = category.name if category is not None else context.get("view_title")
        return {
            "title": title or settings.WIKI_SITE_NAME,
            "canonical": request.build_absolute_uri(path),
            "og_type": "website",
            "noindex": match.view_name in NOINDEX_VIEWS,
        }
    page = page.specific
    return {
        "title": page.title,
        "description": seo.description(page),
        "canonical": request.build_absolute_uri(page.canonical_url),
        "og_type": "website" if request.path == "/" else page.open_graph_type,
        "structured_data": [seo.json_ld_script(item) for item in seo.StructuredData(request).for_page(page)],
    }
