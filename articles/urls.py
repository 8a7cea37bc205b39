"""URLs of the articles app."""


app_name = "articles"

urlpatterns = []
