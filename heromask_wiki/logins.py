"""What someone who failed to sign in too often is told: django-axes calls
``lockout_response`` (``settings.AXES_LOCKOUT_CALLABLE``) when an account or
an address is locked out."""

from axes.helpers import get_cool_off, get_failure_limit
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

TEMPLATE = "registration/lockout.html"


def lockout_response(request, original_response=None, credentials=None):
    """429 Too Many Requests, saying when signing in opens again, also in ``Retry-After``."""
    cool_off = get_cool_off(request)
    retry_at = (getattr(request, "axes_attempt_time", None) or timezone.now()) + cool_off
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cool_off_minutes": round(cool_off.total_seconds() / 60),
        "retry_at": retry_at,
    }
    response = render(request, TEMPLATE, context, status=429)
    response["Retry-After"] = str(round(cool_off.total_seconds()))
    add_never_cache_headers(response)
    return response
