"""Reader pages of the episodes app besides each page's own: the list of
every season's episodes, the appearances grid and the timeline, each at the
reader's limit (``wiki.reading``)."""

from django import forms
from django.views.generic import ListView, TemplateView

from characters.models import Role
from episodes.models import AppearanceGrid, Season, SeriesTimeline
from wiki.models import Page


class EpisodeListView(ListView):
    """Every season's episodes, one table per season."""

    context_object_name = "seasons"
    template_name = "episodes/episode_list.html"
    extra_context = {"view_title": "Episodes"}

    def get_queryset(self):
        return Season.objects.with_episodes().select_related("work")

    def get_context_data(self, **kwargs):
        Page.prerender_tables(season.episodes.all() for season in self.object_list)
        return super().get_context_data(**kwargs)


class AppearanceFilterForm(forms.Form):
    """The grid's filters, from the address (``?season=1&role=main``)."""

    season = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={
            "invalid_choice": "“%(value)s” is not a season of the series: choose one from the list."
        },
    )
    # A character the source gives no role has the role "", which the address
    # calls "other": an empty role in the address means every role.
    role = forms.TypedChoiceField(
        choices=[("", "Every role")] + [(value or "other", label) for value, label in Role.choices],
        coerce=lambda value: "" if value == "other" else value,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "“%(value)s” is not a role: choose one from the list."},
    )

    def __init__(self, data, seasons):
        super().__init__(data)
        self.fields["season"].choices = [("", "Every season")] + [(s.number, s.title) for s in seasons]


class AppearanceGridView(TemplateView):
    """Characters × episodes up to the reader's limit; a filter value that is not
    one of the choices is answered with 400 and the form to choose again."""

    template_name = "episodes/appearances.html"
    extra_context = {"view_title": "Appearances"}

    def get(self, request, *args, **kwargs):
        grid = AppearanceGrid()
        form = AppearanceFilterForm(request.GET, seasons=grid.seasons)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        grid.narrowed(form.cleaned_data["season"], form.cleaned_data["role"])
        return self.render_to_response(self.get_context_data(form=form, grid=grid))


class TimelineView(TemplateView):
    """Two lanes: the release history of every work and the story, episode by episode."""

    template_name = "episodes/timeline.html"
    extra_context = {"view_title": "Timeline"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(timeline=SeriesTimeline(), **kwargs)
