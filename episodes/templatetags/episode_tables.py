"""The rows of an episode table (``includes/episode_table.html``)."""

from django import template
from django.utils.html import format_html_join

from wiki.templatetags.wiki_pages import partial_date, without_citations

register = template.Library()

_ROW = """
      <tr>
        <td class="numeric" data-label="No. overall">{}</td>
        <td class="numeric" data-label="No. in season">{}</td>
        <th scope="row"><a href="{}">{}</a></th>
        <td class="nowrap" data-label="Released">{}</td>
        <td class="summary">{}</td>
      </tr>
      """


@register.simple_tag
def episode_rows(episodes):
    """A ``<tr>`` per episode: numbers, title, release date and summary.
    Built here rather than by a template loop, as ``wiki_links.reference_items``
    builds a References list: a series' page has a table row per episode."""
    return format_html_join(
        "",
        _ROW,
        (
            (
                episode.number_overall,
                episode.number,
                episode.get_absolute_url(),
                episode.display_name,
                partial_date(episode.release_date),
                without_citations(episode.lead_html),
            )
            for episode in episodes
        ),
    )
