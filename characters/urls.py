"""URLs of the characters app."""


app_name = "characters"

urlpatterns = []
