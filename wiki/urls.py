"""The engine's URLs, and one URL per page kind, derived from the models.

``urlpatterns`` (namespace ``wiki``) are the engine's own pages;
``page_kind_urls()`` (namespace ``pages``) gives every page kind of the
installed apps its ``/<url_prefix>/<slug>/`` address, named ``pages:<kind>``.
"""

from django.urls import path, register_converter

from wiki import params, views
from wiki.feeds import RecentChangesFeed
from wiki.models import Page

app_name = "wiki"

# Numbers in paths that the database can hold; any other is a 404, not a database error.
register_converter(params.IdConverter, "id")
register_converter(params.IntegerConverter, "number")

urlpatterns = [
    path("wiki/", views.PageListView.as_view(), name="index"),
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("categories/<slug:slug>/", views.CategoryDetailView.as_view(), name="category"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("pages/<id:pk>/history/", views.PageHistoryView.as_view(), name="history"),
    path("pages/<id:pk>/diff/", views.PageDiffView.as_view(), name="diff"),
    path("pages/<id:pk>/revert/<number:number>/", views.RevertView.as_view(), name="revert"),
    path("recent-changes/", views.RecentChangesView.as_view(), name="recent"),
    path("recent-changes/feed/", RecentChangesFeed(), name="recent_feed"),
    path("random/", views.RandomPageView.as_view(), name="random"),
    path("go/<path:title>/", views.GoView.as_view(), name="go"),
    path("pages/<id:pk>/links/", views.BacklinksView.as_view(), name="backlinks"),
    path("reading/", views.ReadingLimitView.as_view(), name="reading"),
    path("source/", views.SourceView.as_view(), name="source"),
    path("preview/", views.PagePreviewView.as_view(), name="preview_home"),
    path("preview/<path:address>", views.PagePreviewView.as_view(), name="preview"),
]


def page_kind_urls():
    """``include()``-able patterns of every page kind's pages."""
    patterns = [
        path(f"{model.url_prefix}/<slug:slug>/", views.PageDetailView.as_view(model=model), name=kind)
        for kind, model in sorted(Page.kinds().items())
        if model.url_prefix
    ]
    return patterns, "pages"
