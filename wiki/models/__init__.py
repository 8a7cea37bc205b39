"""The wiki engine's models: the page every kind of page shares, and what
every page has (categories, aliases, references, revisions, the link table).

Content apps (articles, characters, episodes) declare their page kinds as
subclasses of ``Page``; this package knows none of them.
"""

from wiki.models.generation import Generation
from wiki.models.pages import EditConflict, Page, PageQuerySet, page_link
from wiki.models.records import Alias, Category, PageData, PageDataQuerySet, Reference
from wiki.models.revisions import PageLink, Revision, Snapshot
from wiki.models.text import TitleResolver

__all__ = [
    "Alias",
    "Category",
    "EditConflict",
    "Generation",
    "Page",
    "PageData",
    "PageDataQuerySet",
    "PageLink",
    "PageQuerySet",
    "Reference",
    "Revision",
    "Snapshot",
    "TitleResolver",
    "page_link",
]
