"""Reader pages of the episodes app besides each page's own: the list of
every season's episodes."""

from django.views.generic import ListView

from episodes.models import Season
from wiki.models import Page


class EpisodeListView(ListView):
    """Every season's episodes, one table per season."""

    context_object_name = "seasons"
    template_name = "episodes/episode_list.html"
    extra_context = {"view_title": "Episodes"}

    def get_queryset(self):
        return Season.objects.with_episodes().select_related("work")

    def get_context_data(self, **kwargs):
        Page.prerender(episode for season in self.object_list for episode in season.episodes.all())
        return super().get_context_data(**kwargs)
