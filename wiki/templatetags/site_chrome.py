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
    if settings.DEBUG:
        # While templates are being edited, render them afresh.
        return _render("includes/site_nav_links.html")
    return _site_nav_links(get_script_prefix())


@functools.lru_cache(maxsize=4)
def _site_nav_links(script_prefix):
    return _render("includes/site_nav_links.html")


@register.simple_tag(takes_context=True)
def reading_options(context):
    """``includes/reading_options.html``: the ``<option>`` of every point of
    the story, the reader's limit selected."""
    limit = context.get("reading", reading.EVERYTHING)
    points = context.get("reading_points", ())
    points = tuple(points() if callable(points) else points)
    if settings.DEBUG:
        return _render("includes/reading_options.html", points, limit.position, limit.is_everything)
    return _reading_options(points, limit.position, limit.is_everything)


@functools.lru_cache(maxsize=64)
def _reading_options(points, position, is_everything):
    return _render("includes/reading_options.html", points, position, is_everything)


def _render(template_name, points=(), position=None, is_everything=True):
    return render_to_string(
        template_name, {"points": points, "position": position, "is_everything": is_everything}
    )
