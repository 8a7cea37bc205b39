"""Response headers that Django's SecurityMiddleware does not set itself.

Django 5.2 has no Content-Security-Policy support, so the policy from
``settings.CONTENT_SECURITY_POLICY`` is added here to every response. The
policy allows no inline script: templates load JavaScript from static files
only, and the Django admin (which keeps its data in ``data-`` attributes of
``<script src>`` elements) works under it as well.
"""

from django.conf import settings


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
