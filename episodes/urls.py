"""URLs of the episodes app (each work, season and episode has its page
through its page kind, see ``wiki.urls``)."""

from django.urls import path

from episodes import views

app_name = "episodes"

urlpatterns = [
    path("episodes/", views.EpisodeListView.as_view(), name="list"),
]
