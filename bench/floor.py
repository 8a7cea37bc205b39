"""The floor of bench/wrk_bench.py: a minimal Django WSGI app (no database,
no templates, no middleware, like bench/hello.py) whose one view returns, for
the requested path and query string, the exact bytes our site returned for
it, as text/html; charset=utf-8. The bytes are read at start-up from the JSON
file named by FLOOR_PAGES, ``{"/path/?query": "<base64 of the body>"}``.

    FLOOR_PAGES=bench/out/floor-pages.json gunicorn bench.floor:application
"""

import base64
import json
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse, HttpResponseNotFound
from django.urls import re_path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-floor-only",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)

with open(os.environ["FLOOR_PAGES"], encoding="utf-8") as file:
    PAGES = {path: base64.b64decode(body) for path, body in json.load(file).items()}


def page(request):
    body = PAGES.get(request.get_full_path())
    if body is None:
        return HttpResponseNotFound("Not one of the floor's pages.", content_type="text/plain")
    return HttpResponse(body, content_type="text/html; charset=utf-8")


urlpatterns = [re_path(r"", page)]

application = get_wsgi_application()
