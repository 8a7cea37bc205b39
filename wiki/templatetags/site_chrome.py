"""The parts of every page that do not change from page to page: the site's
navigation, and the options of the reading-limit control (the same for every
reader at one limit until the story's episodes change). Each is rendered from
its template once per process and kept, rather than on every request."""

import functools

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix

from wiki import reading

register = template.Library()


@register.simple_tag
def site_nav_links():
    """``includes/site_nav_links.html``: the main navigation's links."""
    return _kept(_site_nav_links)(get_script_prefix())


@functools.lru_cache(maxsize=4)
def _site_nav_links(script_prefix):
    return render_to_string("includes/site_nav_links.html")


@register.simple_tag(takes_context=True)
def reading_options(context):
    """``includes/reading_options.html``: the ``<option>`` of every point of
    the story, the reader's limit selected."""
    limit = context.get("reading", reading.EVERYTHING)
    points = context.get("reading_points", ())
    points = tuple(points() if callable(points) else points)
    return _kept(_render_reading_options)(points, limit.position, limit.is_everything)


@functools.lru_cache(maxsize=64)
def _render_reading_options(points, position, is_everything):
    return render_to_string(
        "includes/reading_options.html",
        {"points": points, "position": position, "is_everything": is_everything},
    )


def _kept(render):
    # While templates are being edited (DEBUG), render them afresh.
    return render.__wrapped__ if settings.DEBUG else render
