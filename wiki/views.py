"""The engine's views: every page kind's page, categories, all pages, search,
history, diffs, reverts, recent changes, "What links here", redirects and
the error pages."""

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import Resolver404, resolve, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView, RedirectView, TemplateView

from wiki import history, markup, params, reading
from wiki.models import Category, Page, Revision, TitleResolver, provenance
from wiki.models.pages import UNRECORDED_SUMMARY
from wiki.search import queries as search
from wiki.search.text import Query
from wiki.titles import TITLE_MAX_LENGTH


class PageDetailView(DetailView):
    """One page of any kind (``model``, given by ``wiki.urls``): loaded with its
    QuerySet's ``for_page()``, shown with its kind's template, with what its
    ``get_context()`` adds."""

    context_object_name = "page"

    def get_queryset(self):
        return self.model.objects.for_page()

    def get_template_names(self):
        if not self.object.is_met():
            return ["wiki/unmet.html"]
        return [self.model.detail_template_name()]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object.is_met():
            context.update(self.object.get_context(self.request))
        return context


class PagePreviewView(TemplateView):
    """``/preview/<a page's address>``: a small card about the page at that
    address (kind, title, first sentences, key facts), at the reader's limit,
    which ``static/js/previews.js`` shows beside a link to it. An HTML fragment,
    cached as any page is; a page not met yet says so and nothing more."""

    template_name = "wiki/preview.html"

    def get(self, request, address=""):
        page = self.page_at(f"/{address}")
        context = {"page": page, "is_met": page.is_met()}
        if context["is_met"]:
            shown = page.text_shown_at(reading.current())
            lead = page.rendered_lead
            context["text"] = markup.first_sentences(lead) if shown else lead.plain
            context["facts"] = page.preview_facts()
        response = self.render_to_response(context)
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    @staticmethod
    def page_at(address):
        """The page (of its own kind, loaded as its page is) at ``address``:
        a page's own, the home page's, or ``/go/<title>/``."""
        try:
            match = resolve(address)
        except Resolver404:
            match = None
        if match is not None and match.view_name == "wiki:go":
            target, _ = Page.objects.find(
                params.text("title", match.kwargs["title"], max_length=TITLE_MAX_LENGTH)
            )
            match = resolve(target.url) if target is not None else None
        if match is not None and match.namespace == "pages":
            kind, slug = match.url_name, match.kwargs["slug"]
        elif match is not None and match.view_name == "home":
            kind, slug = settings.WIKI_HOME_PAGE
        else:
            raise Http404("No page of the wiki is at this address.")
        return get_object_or_404(Page.model_for_kind(kind).objects.for_page(), slug=slug)


class FullHistoryMixin:
    """Old versions, diffs and edit summaries show every text in full, whatever
    the reader's limit; at a limit they wait until the reader asks for them."""

    gate_template_name = "wiki/full_history_gate.html"

    def dispatch(self, request, *args, **kwargs):
        limit = reading.current()
        if limit.is_everything or "page" in limit.shown:
            return super().dispatch(request, *args, **kwargs)
        return render(request, self.gate_template_name, {"view_title": self.gate_title}, status=200)


class PageListView(ListView):
    """Every page of the wiki, A to Z."""

    context_object_name = "pages"
    template_name = "wiki/page_list.html"
    extra_context = {"view_title": "All pages"}

    def get_queryset(self):
        return Page.objects.met().order_by("title")


class CategoryDetailView(DetailView):
    context_object_name = "category"

    def get_queryset(self):
        return Category.objects.with_pages()

    def get_template_names(self):
        # A category with nothing in it the reader knows of may name what they have not met.
        if not reading.current().is_everything and not self.object.pages_at_limit():
            return ["wiki/category_unmet.html"]
        return super().get_template_names()


class CategoryListView(ListView):
    context_object_name = "categories"
    extra_context = {"view_title": "Categories"}

    def get_queryset(self):
        return Category.objects.with_page_counts()


def page_not_found(request, exception):
    """A 404 that offers a way on: the missing address's words as a search, and the indexes."""
    words = request.path.strip("/").rsplit("/", 1)[-1].replace("-", " ").replace("_", " ")
    return render(request, "404.html", {"suggested_query": words}, status=404)


def bad_request(request, exception):
    """A 400 that says what was wrong with the address (``wiki.params.BadParameter``).
    Rendered without the request, as the 500 page is, so it needs no database."""
    problem = exception.problem if isinstance(exception, params.BadParameter) else ""
    return HttpResponseBadRequest(loader.render_to_string("400.html", {"problem": problem}))


def permission_denied(request, exception):
    """A 403 in the site's style, rendered without the request (no database)."""
    return HttpResponseForbidden(loader.render_to_string("403.html"))


class SearchView(TemplateView):
    """Search results. A search for an exact title or alias, or one that names
    a page in its kind's terms ("s2e3"), goes straight to the page, unless the
    reader asked for the full results (``fulltext=1``); ``exact=1`` searches
    for the words as typed, without correcting their spelling."""

    template_name = "wiki/search.html"
    extra_context = {"view_title": "Search"}

    def get(self, request, *args, **kwargs):
        query = Query.parse(request.GET.get("q", ""))
        page_number = params.integer(request.GET, "page", minimum=1, default=1)
        if not request.GET.get("fulltext"):
            page, alias = search.find_exact_page(query)
            if page:
                return redirect(search.redirect_url(page, alias))
            page = search.find_page_named_by(query)
            if page:
                return redirect(page.get_absolute_url())
        results = search.search(query, page=page_number, exact=bool(request.GET.get("exact")))
        return self.render_to_response(self.get_context_data(results=results))


def suggest(request):
    """Up to ten pages for the search box's suggestions, as JSON."""
    query = Query.parse(request.GET.get("q", ""))
    return JsonResponse({"query": query.text, "results": search.suggest(query)})


class PageHistoryView(FullHistoryMixin, params.PaginatedMixin, ListView):
    """Every saved revision of one page, newest first, to compare or revert."""

    template_name = "wiki/history.html"
    context_object_name = "revisions"
    paginate_by = 50
    gate_title = "Page history"

    def get_queryset(self):
        self.page = get_object_or_404(Page, pk=self.kwargs["pk"])
        return self.page.revisions.with_sizes().select_related("user").order_by("-number")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page=self.page,
            can_revert=history.can_revert(self.request.user, self.page),
            current_size=len(self.page.lead) + len(self.page.body),
            unrecorded_summary=UNRECORDED_SUMMARY,
            **kwargs,
        )


class PageDiffView(FullHistoryMixin, TemplateView):
    """What changed between two revisions of a page (``?from=N&to=M``), field by field."""

    template_name = "wiki/diff.html"
    gate_title = "Changes between versions"

    def get_context_data(self, **kwargs):
        page = get_object_or_404(Page, pk=self.kwargs["pk"])
        number = Revision._meta.get_field("number")
        to_number = params.integer(self.request.GET, "to", field=number)
        from_number = params.integer(self.request.GET, "from", field=number, default=max(to_number - 1, 0))
        try:
            older, newer = Revision.objects.pair(page, from_number, to_number)
        except Revision.DoesNotExist as error:
            raise Http404("This page has no such revisions.") from error
        diffs = history.compare(older or history.NOTHING, newer, Page.model_for_kind(page.kind))
        changed = [diff for diff in diffs if diff.changed]
        return super().get_context_data(page=page, older=older, newer=newer, diffs=changed, **kwargs)


class RevertView(UserPassesTestMixin, View):
    """Make an old revision current again (staff only), recorded as a new revision."""

    http_method_names = ["post"]
    login_url = reverse_lazy("admin:login")

    def test_func(self):
        return history.can_revert(self.request.user, get_object_or_404(Page, pk=self.kwargs["pk"]))

    def post(self, request, pk, number):
        revision = get_object_or_404(Revision.objects.select_related("page"), page_id=pk, number=number)
        try:
            new_revision = revision.page.revert_to(revision, request.user)
        except ValidationError as error:
            messages.error(request, f"Revision {number} cannot be restored: {' '.join(error.messages)}")
        else:
            messages.success(request, f"Restored revision {number}, saved as revision {new_revision.number}.")
        return redirect("wiki:history", pk=pk)


class RecentChangesView(FullHistoryMixin, params.PaginatedMixin, ListView):
    """Every page's edits, newest first."""

    template_name = "wiki/recent_changes.html"
    context_object_name = "revisions"
    paginate_by = 50
    queryset = Revision.objects.recent()
    extra_context = {"view_title": "Recent changes"}
    gate_title = "Recent changes"


@method_decorator(never_cache, name="dispatch")
class RandomPageView(RedirectView):
    def get_redirect_url(self, *args, **kwargs):
        page = Page.objects.random()
        if page is None:
            raise Http404("The wiki has no pages yet.")
        return page.get_absolute_url()


class GoView(View):
    """``/go/<title>/``: a title, alias or slug leads to its page. Through an
    alias the page is told so (``?redirectfrom=``) and says "Redirected from"."""

    def get(self, request, title):
        title = params.text("title", title, max_length=TITLE_MAX_LENGTH)
        target, alias = Page.objects.find(title)
        if target is None:
            context = {"title": title, "new_page_url": TitleResolver.new_page_url(title)}
            return render(request, "wiki/no_such_page.html", context, status=404)
        if alias:
            return redirect(f"{target.url}?{urlencode({'redirectfrom': alias})}")
        return redirect(target.url)


class BacklinksView(DetailView):
    """ "What links here": the pages whose text links to this one, as far as the reader has read."""

    model = Page
    context_object_name = "page"
    template_name = "wiki/backlinks.html"

    def get_template_names(self):
        return [self.template_name if self.object.is_met() else "wiki/unmet.html"]

    def get_context_data(self, **kwargs):
        return super().get_context_data(linking_pages=Page.objects.linking_to(self.object), **kwargs)


class ReadingLimitView(TemplateView):
    """``/reading/``: what the reading limit is, and the form every page's
    control sends (``?upto=s1e8&next=/characters/james-blood/``), which saves
    the limit in a cookie and goes back to ``next``."""

    template_name = "wiki/reading.html"
    extra_context = {"view_title": "How far have you watched?"}

    def get(self, request, *args, **kwargs):
        if reading.PARAMETER not in request.GET:
            return super().get(request, *args, **kwargs)
        limit = reading.parse(request.GET.get(reading.PARAMETER, "").strip().lower())
        if limit is None:
            context = self.get_context_data(
                error=f"“{reading.describe(request.GET.get(reading.PARAMETER, ''))}” is not a point of the "
                "story. Choose one from the list."
            )
            return self.render_to_response(context, status=400)
        response = redirect(self.next_url(request))
        reading.remember(response, limit)
        return response

    @staticmethod
    def next_url(request):
        """Where the reader came from, without a limit in its address (the cookie now says it)."""
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}
        ) or not target.startswith("/"):
            return "/"
        parts = urlsplit(target)
        query = QueryDict(parts.query, mutable=True)
        query.pop(reading.PARAMETER, None)
        query.pop(reading.SHOW_PARAMETER, None)
        return urlunsplit(("", "", parts.path, query.urlencode(), ""))


class HomePageView(PageDetailView):
    """The page named by ``settings.WIKI_HOME_PAGE`` (kind, slug), shown at ``/``."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.model = Page.model_for_kind(settings.WIKI_HOME_PAGE[0])

    def get_object(self, queryset=None):
        return get_object_or_404(self.get_queryset(), slug=settings.WIKI_HOME_PAGE[1])


class SourceView(TemplateView):
    """``/source/``: the source text the wiki is written from, sentence by
    sentence, each with the pages that use it, at the reader's limit."""

    template_name = "wiki/source.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(source=provenance.SourceText.at(reading.current()), **kwargs)
