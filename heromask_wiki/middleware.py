"""Response headers that Django's SecurityMiddleware does not set itself, and
compression of the pages that are safe to compress.

Django 5.2 has no Content-Security-Policy support, so the policy from
``settings.CONTENT_SECURITY_POLICY`` is added here to every response. The
policy allows no inline script: templates load JavaScript from static files
only, and the Django admin (which keeps its data in ``data-`` attributes of
``<script src>`` elements) works under it as well.
"""

from django.conf import settings
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        permissions = settings.PERMISSIONS_POLICY
        if permissions:
            response.headers.setdefault("Permissions-Policy", permissions)
        return response


class PublicPageGZipMiddleware:
    """Gzips a response only when it holds nothing secret, against BREACH.

    BREACH recovers a secret from a compressed response that also reflects
    the attacker's input (a search term, an address). Here a response is
    compressed only if it is the same for every anonymous reader: the request
    carries no session or CSRF cookie, the response sets no cookie (rendering
    a CSRF token sets one), and its body has no form token.
    Pages for editors, the admin and every form with a CSRF token stay
    uncompressed; anonymous reading pages, most of the traffic, shrink to a
    fifth. It sits outside the page cache, which so stores (and serves, to a
    client that did not ask for gzip) the uncompressed page, and beside it
    the page gzipped once (its ``gzipped_content``), which is served from
    then on rather than compressed for every reader. Static files are compressed
    ahead of time by WhiteNoise.
    """

    MIN_LENGTH = 200
    COMPRESSIBLE_TYPES = ("text/", "application/json", "application/xml", "application/atom+xml")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not self.compressible(response):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not self.accepts_gzip(request) or self.may_carry_a_secret(request, response):
            return response
        compressed = getattr(response, "gzipped_content", None)
        if compressed is None:
            compressed = compress_string(response.content)
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        response.headers["Content-Encoding"] = "gzip"
        # The compressed bytes are another representation: a strong validator must change.
        etag = response.headers.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        return response

    def compressible(self, response):
        return (
            not response.streaming
            and response.status_code != 304
            and not response.has_header("Content-Encoding")
            and response.get("Content-Type", "").startswith(self.COMPRESSIBLE_TYPES)
            and len(response.content) >= self.MIN_LENGTH
        )

    @staticmethod
    def accepts_gzip(request):
        """Whether Accept-Encoding lists gzip (or *) without ``q=0``."""
        for coding in request.META.get("HTTP_ACCEPT_ENCODING", "").lower().split(","):
            name, *parameters = (part.strip() for part in coding.split(";"))
            if name in ("gzip", "*"):
                return not any(
                    parameter.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000")
                    for parameter in parameters
                )
        return False

    @staticmethod
    def may_carry_a_secret(request, response):
        return (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            or settings.CSRF_COOKIE_NAME in request.COOKIES
            or bool(response.cookies)
            or b"csrfmiddlewaretoken" in response.content
        )
