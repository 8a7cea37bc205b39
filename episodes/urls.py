"""URLs of the episodes app."""


app_name = "episodes"

urlpatterns = []
