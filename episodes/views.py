"""Reader pages of the series: the series article (also the home page), seasons and episodes."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from articles.markup import prerender
from characters.models import Character
from episodes.models import Episode, Season, Work


class WorkDetailView(DetailView):
    """A work as an encyclopedia article: infobox, text, characters, cast, episodes, releases."""

    context_object_name = "page"

    def get_queryset(self):
        return Work.objects.for_article()

    def get_context_data(self, **kwargs):
        characters = list(Character.objects.in_work(self.object).by_role().with_infobox())
        voiced = [character for character in characters if character.voice_credits.all()]
        prerender(episode for season in self.object.seasons.all() for episode in season.episodes.all())
        return super().get_context_data(characters=characters, voiced_characters=voiced, **kwargs)


class HomeView(WorkDetailView):
    """The main work's article is the front page of the wiki."""

    def get_object(self, queryset=None):
        return get_object_or_404(self.get_queryset(), slug=settings.WIKI_MAIN_WORK_SLUG)


class SeasonDetailView(DetailView):
    context_object_name = "page"

    def get_queryset(self):
        return Season.objects.for_page()

    def get_context_data(self, **kwargs):
        prerender(self.object.episodes.all())
        return super().get_context_data(**kwargs)


class EpisodeDetailView(DetailView):
    context_object_name = "page"

    def get_queryset(self):
        return Episode.objects.for_page()


class EpisodeListView(ListView):
    """Every season's episodes, one table per season."""

    context_object_name = "seasons"
    template_name = "episodes/episode_list.html"

    def get_queryset(self):
        return Season.objects.with_episodes().select_related("work")

    def get_context_data(self, **kwargs):
        prerender(episode for season in self.object_list for episode in season.episodes.all())
        return super().get_context_data(**kwargs)
