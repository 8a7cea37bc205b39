"""Root URL configuration."""

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView

from api.api import api
from heromask_wiki.sitemaps import sitemaps
from wiki.urls import page_kind_urls
from wiki.views import HomePageView

urlpatterns = [
    path("", HomePageView.as_view(), name="home"),
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    path("api/v1/", api.urls),
    path("", include("wiki.urls")),
    # Before the pages of each kind, so that a fixed address such as
    # /episodes/timeline/ is not read as the episode with the slug "timeline".
    path("", include("articles.urls")),
    path("", include("characters.urls")),
    path("", include("episodes.urls")),
    path("", include(page_kind_urls())),
]

handler400 = "wiki.views.bad_request"
handler403 = "wiki.views.permission_denied"
handler404 = "wiki.views.page_not_found"
# 503 while the database cannot be reached, else the 500 page.
handler500 = "wiki.unavailable.server_error"
