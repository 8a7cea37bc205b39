"""Reader pages of the characters app besides each page's own: the indexes of
characters, the cast and the people who made the series, and the map of the
characters' relationships at the reader's limit (``wiki.reading``)."""

from django.views.generic import ListView, TemplateView

from characters.models import Character, Person, RelationshipMap


class CharacterListView(ListView):
    """Every character, grouped by role."""

    context_object_name = "characters"
    extra_context = {"view_title": "Characters"}

    def get_queryset(self):
        return Character.objects.met().by_role()


class CastListView(ListView):
    """Who voices whom, in Japanese and in English."""

    context_object_name = "characters"
    template_name = "characters/cast_list.html"
    extra_context = {"view_title": "Cast"}

    def get_queryset(self):
        return Character.objects.voiced().by_role().with_voice_credits()


class PersonListView(ListView):
    """Voice actors and staff, each with what they did."""

    template_name = "characters/person_list.html"
    extra_context = {"view_title": "People"}

    def get_queryset(self):
        return Person.objects.with_credits()

    def get_context_data(self, **kwargs):
        people = self.object_list
        return super().get_context_data(
            voice_actors=[person for person in people if person.voice_credits.all()],
            staff=[person for person in people if person.staff_credits.all()],
            **kwargs,
        )


class RelationshipMapView(TemplateView):
    """The characters' relationships as a drawing and as a table."""

    template_name = "characters/relationships.html"
    extra_context = {"view_title": "Relationships"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(relationship_map=RelationshipMap(), **kwargs)
