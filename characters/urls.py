"""URLs of the characters app."""

from django.urls import path

from characters import views

app_name = "characters"

urlpatterns = [
    path("characters/", views.CharacterListView.as_view(), name="index"),
    path("cast/", views.CastListView.as_view(), name="cast"),
    path("people/", views.PersonListView.as_view(), name="people"),
    path("characters/relationships/", views.RelationshipMapView.as_view(), name="relationships"),
]
