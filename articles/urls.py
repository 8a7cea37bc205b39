"""URLs of the articles app (each article and organization has its page
through its page kind, see ``wiki.urls``)."""

from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("organizations/", views.OrganizationListView.as_view(), name="organizations"),
]
