"""Reader pages of characters, the cast and the people who made the series."""

from django.views.generic import DetailView, ListView

from characters.models import Character, Person


class CharacterDetailView(DetailView):
    context_object_name = "page"

    def get_queryset(self):
        return Character.objects.for_page()


class CharacterListView(ListView):
    """Every character, grouped by role."""

    context_object_name = "characters"

    def get_queryset(self):
        return Character.objects.by_role()


class CastListView(ListView):
    """Who voices whom, in Japanese and in English."""

    context_object_name = "characters"
    template_name = "characters/cast_list.html"

    def get_queryset(self):
        return Character.objects.voiced().by_role().with_infobox()


class PersonDetailView(DetailView):
    context_object_name = "page"

    def get_queryset(self):
        return Person.objects.for_page()


class PersonListView(ListView):
    """Voice actors and staff, each with what they did."""

    template_name = "characters/person_list.html"

    def get_queryset(self):
        return Person.objects.with_credits()

    def get_context_data(self, **kwargs):
        people = self.object_list
        return super().get_context_data(
            voice_actors=[person for person in people if person.voice_credits.all()],
            staff=[person for person in people if person.staff_credits.all()],
            **kwargs,
        )
