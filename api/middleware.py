"""What every address of the API shares, whatever answers it: it can only be
read, and any site may read it.

* GET and HEAD are answered (HEAD as GET, without the body); OPTIONS answers
  a browser's CORS preflight; any other method is a 405 that says so.
* Every answer says ``Access-Control-Allow-Origin: *`` (no credentials: a
  browser sends no cookie across origins) and lets scripts read its ETag.
* A query parameter given twice is a 400 in JSON, before anything reads it.

It sits outside the page cache, so answers served from the cache, and 304s,
carry the same headers.
"""

import json
from functools import cache

from django.http import HttpResponse
from django.urls import reverse

from wiki import params

READ_METHODS = ("GET", "HEAD", "OPTIONS")
# Headers a reader's script may send: those of conditional requests.
ALLOWED_REQUEST_HEADERS = "If-None-Match, If-Modified-Since"
PREFLIGHT_MAX_AGE = 24 * 60 * 60


@cache
def api_prefix():
    return reverse("api:index")


def json_response(status, detail):
    return HttpResponse(
        json.dumps({"detail": detail}, ensure_ascii=False), status=status, content_type="application/json"
    )


class ReadOnlyCorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(api_prefix()):
            return self.get_response(request)
        response = self.answer(request)
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag"
        return response

    def answer(self, request):
        method = request.method
        if method not in READ_METHODS:
            response = json_response(
                405, f"The API can only be read: {method} is not allowed, only {', '.join(READ_METHODS)}."
            )
            response.headers["Allow"] = ", ".join(READ_METHODS)
            return response
        if method == "OPTIONS":
            response = HttpResponse(status=204)
            response.headers["Allow"] = ", ".join(READ_METHODS)
            response.headers["Access-Control-Allow-Methods"] = ", ".join(READ_METHODS)
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_REQUEST_HEADERS
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
            return response
        problem = params.repeated(request.GET)
        if problem is not None:
            return json_response(400, problem.problem)
        if method == "HEAD":
            # The same answer as GET, cached as GET, without its body.
            request.method = "GET"
            response = self.get_response(request)
            request.method = "HEAD"
            if not response.streaming:
                length = len(response.content)
                response.content = b""
                response.headers["Content-Length"] = str(length)
            return response
        return self.get_response(request)
