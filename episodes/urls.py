"""URLs of the episodes app (each work, season and episode has its page
through its page kind, see ``wiki.urls``)."""

from django.urls import path

from episodes import views

app_name = "episodes"

urlpatterns = [
    path("episodes/", views.EpisodeListView.as_view(), name="list"),
    path("episodes/appearances/", views.AppearanceGridView.as_view(), name="appearances"),
    path("episodes/timeline/", views.TimelineView.as_view(), name="timeline"),
]
