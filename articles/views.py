"""Reader pages of articles, organizations and categories, page history and recent
changes, and the friendly error page."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView, RedirectView, TemplateView

from articles import history, links, search
from articles.markup import new_page_url
from articles.models import Article, Category, Organization, Page, Revision


class ArticleDetailView(DetailView):
    context_object_name = "page"

    def get_queryset(self):
        return Article.objects.with_categories()


class PageListView(ListView):
    """Every page of the wiki, A to Z."""

    context_object_name = "pages"
    template_name = "articles/page_list.html"

    def get_queryset(self):
        return Page.objects.order_by("title")


class OrganizationDetailView(DetailView):
    context_object_name = "page"

    def get_queryset(self):
        return Organization.objects.for_page()


class OrganizationListView(ListView):
    context_object_name = "organizations"

    def get_queryset(self):
        return Organization.objects.select_related("parent").order_by("sphere", "title")


class CategoryDetailView(DetailView):
    context_object_name = "category"

    def get_queryset(self):
        return Category.objects.with_pages()


class CategoryListView(ListView):
    context_object_name = "categories"

    def get_queryset(self):
        return Category.objects.with_page_counts()


def page_not_found(request, exception):
    """A 404 that offers a way on: the missing address's words as a search, and the indexes."""
    words = request.path.strip("/").rsplit("/", 1)[-1].replace("-", " ").replace("_", " ")
    return render(request, "404.html", {"suggested_query": words}, status=404)


class SearchView(TemplateView):
    """Search results. A search for an exact title or alias goes straight to
    its page, unless the reader asked for the full results (``fulltext=1``)."""

    template_name = "articles/search.html"

    def get(self, request, *args, **kwargs):
        query = search.Query.parse(request.GET.get("q", ""))
        if not request.GET.get("fulltext"):
            page, alias = search.find_exact_page(query)
            if page:
                return redirect(search.redirect_url(page, alias))
        results = search.search(query, page=request.GET.get("page", 1))
        return self.render_to_response(self.get_context_data(results=results))


def suggest(request):
    """Up to ten pages for the search box's suggestions, as JSON."""
    query = search.Query.parse(request.GET.get("q", ""))
    return JsonResponse({"query": query.text, "results": search.suggest(query)})


class PageHistoryView(ListView):
    """Every saved revision of one page, newest first, to compare or revert."""

    template_name = "articles/history.html"
    context_object_name = "revisions"
    paginate_by = 50

    def get_queryset(self):
        self.page = get_object_or_404(Page, pk=self.kwargs["pk"])
        return self.page.revisions.with_sizes().select_related("user").order_by("-number")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page=self.page,
            can_revert=history.can_revert(self.request.user, self.page),
            current_size=len(self.page.lead) + len(self.page.body),
            **kwargs,
        )


class PageDiffView(TemplateView):
    """What changed between two revisions of a page (``?from=N&to=M``), field by field."""

    template_name = "articles/diff.html"

    def get_context_data(self, **kwargs):
        page = get_object_or_404(Page, pk=self.kwargs["pk"])
        try:
            to_number = int(self.request.GET["to"])
            from_number = int(self.request.GET.get("from", to_number - 1))
            older, newer = history.revision_pair(page, from_number, to_number)
        except (KeyError, ValueError, Revision.DoesNotExist) as error:
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
            new_revision = history.revert(revision.page, revision, request.user)
        except ValidationError as error:
            messages.error(request, f"Revision {number} cannot be restored: {' '.join(error.messages)}")
        else:
            messages.success(request, f"Restored revision {number}, saved as revision {new_revision.number}.")
        return redirect("articles:history", pk=pk)


class RecentChangesView(ListView):
    """Every page's edits, newest first."""

    template_name = "articles/recent_changes.html"
    context_object_name = "revisions"
    paginate_by = 50
    queryset = Revision.objects.recent()


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
        target, alias = links.find_page(title)
        if target is None:
            context = {"title": title, "new_page_url": new_page_url(title)}
            return render(request, "articles/no_such_page.html", context, status=404)
        if alias:
            return redirect(f"{target.url}?{urlencode({'redirectfrom': alias})}")
        return redirect(target.url)


class BacklinksView(DetailView):
    """ "What links here": the pages whose text links to this one."""

    model = Page
    context_object_name = "page"
    template_name = "articles/backlinks.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(linking_pages=Page.objects.linking_to(self.object), **kwargs)
