"""Reader pages of the articles app besides each page's own: the organizations index."""

from django.views.generic import ListView

from articles.models import Organization


class OrganizationListView(ListView):
    context_object_name = "organizations"
    extra_context = {"view_title": "Organizations"}

    def get_queryset(self):
        return Organization.objects.met().select_related("parent").order_by("sphere", "title")
