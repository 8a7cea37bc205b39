"""The head tags search engines and link previews read: ``{% page_seo as seo %}``
gives ``includes/seo.html`` the canonical address, description, Open Graph type
and JSON-LD of the page being shown."""

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
def meta_description(page):
    """The start of ``page``'s lead as plain text, for ``<meta name="description">``."""
    return seo.description(page)


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
        page_number = request.GET.get("page")
        if page_number and page_number != "1":
            path = f"{path}?page={page_number}"
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
