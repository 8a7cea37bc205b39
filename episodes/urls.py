"""URLs of the episodes app."""

from django.urls import path

from episodes import views

app_name = "episodes"

urlpatterns = [
    path("works/<slug:slug>/", views.WorkDetailView.as_view(), name="work"),
    path("seasons/<slug:slug>/", views.SeasonDetailView.as_view(), name="season"),
    path("episodes/", views.EpisodeListView.as_view(), name="list"),
    path("episodes/<slug:slug>/", views.EpisodeDetailView.as_view(), name="detail"),
]
