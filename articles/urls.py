"""URLs of the articles app."""

from django.urls import path

from articles import views
from articles.feeds import RecentChangesFeed

app_name = "articles"

urlpatterns = [
    path("wiki/", views.PageListView.as_view(), name="index"),
    path("wiki/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("organizations/", views.OrganizationListView.as_view(), name="organizations"),
    path("organizations/<slug:slug>/", views.OrganizationDetailView.as_view(), name="organization"),
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("categories/<slug:slug>/", views.CategoryDetailView.as_view(), name="category"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("pages/<int:pk>/history/", views.PageHistoryView.as_view(), name="history"),
    path("pages/<int:pk>/diff/", views.PageDiffView.as_view(), name="diff"),
    path("pages/<int:pk>/revert/<int:number>/", views.RevertView.as_view(), name="revert"),
    path("recent-changes/", views.RecentChangesView.as_view(), name="recent"),
    path("recent-changes/feed/", RecentChangesFeed(), name="recent_feed"),
    path("random/", views.RandomPageView.as_view(), name="random"),
    path("go/<path:title>/", views.GoView.as_view(), name="go"),
    path("pages/<int:pk>/links/", views.BacklinksView.as_view(), name="backlinks"),
]
