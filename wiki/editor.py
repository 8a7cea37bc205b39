"""The server side of the wiki editor in the admin (``static/js/editor.js``).

Every page kind's admin (``wiki.admin.PageAdmin``) adds three views under
its own URLs, for staff who may change (or, on the add form, add) pages of
that kind:

* ``editor/preview/`` (POST): the Markdown of the lead or body rendered by the
  page's own ``rendered_lead`` / ``rendered_body``, so the preview is the
  sanitised HTML the page will show (at "everything"), with the references
  the text cites numbered as on the page;
* ``editor/changes/`` (POST, the whole change form): the differences between
  the saved page and the form, field by field, as the page's history shows them;
* ``editor/titles/?q=`` (GET): page titles for ``[[`` completion, from the
  search box's suggestions, at "everything" whatever the editor's reading limit.

Texts longer than ``MAX_TEXT_CHARS`` are refused with 400; the views never
write anything.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, HttpResponseNotFound, JsonResponse
from django.shortcuts import render
from django.utils.text import capfirst
from django.views import View

from wiki import history, reading, sources
from wiki.models import Reference
from wiki.search import queries as search

MAX_TEXT_CHARS = 200_000
MAX_QUERY_CHARS = 200
# Words of a source sentence shown in the citation picker (the whole sentence is its title).
PICKER_QUOTE_WORDS = 14


def plain_error(response_class, message):
    return response_class(message, content_type="text/plain; charset=utf-8")


class EditorView(View):
    """What the editor's views share: ``model_admin`` (the kind's ``PageAdmin``),
    and ``page``, the saved page being edited (the ``page`` parameter, its id;
    None on an add form), which the editor must be allowed to change."""

    model_admin = None

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in self.http_method_names or not hasattr(self, request.method.lower()):
            return self.http_method_not_allowed(request, *args, **kwargs)
        parameters = request.POST if request.method == "POST" else request.GET
        page_id = parameters.get("page", "")
        self.page = None
        if page_id:
            if not page_id.isascii() or not page_id.isdigit() or len(page_id) > 18:
                return plain_error(HttpResponseBadRequest, "The page id must be a whole number.")
            self.page = self.model_admin.model.objects.filter(pk=page_id).first()
            if self.page is None:
                kind = self.model_admin.model._meta.verbose_name
                return plain_error(HttpResponseNotFound, f"No {kind} has the id {page_id}.")
        if self.page is not None:
            allowed = self.model_admin.has_change_permission(request, self.page)
        else:
            allowed = self.model_admin.has_add_permission(request) or self.model_admin.has_change_permission(
                request
            )
        if not allowed:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def oversized_text(self, data):
        """A message naming the first Markdown field of ``data`` that is too long, or ""."""
        for name in self.model_admin.markdown_fields:
            length = len(data.get(name, ""))
            if length > MAX_TEXT_CHARS:
                label = capfirst(self.model_admin.model._meta.get_field(name).verbose_name)
                return (
                    f"{label} is {length:,} characters long; the editor previews and compares "
                    f"texts of at most {MAX_TEXT_CHARS:,} characters."
                )
        return ""


class PreviewView(EditorView):
    """One Markdown field (``field``) as the page will show it, rendered from
    the posted text of every Markdown field (a field not posted keeps its saved
    text), so citations are numbered across lead and body as on the page."""

    http_method_names = ["post"]

    def post(self, request):
        fields = self.model_admin.markdown_fields
        field = request.POST.get("field", "")
        if field not in fields:
            return plain_error(
                HttpResponseBadRequest, f"The field to preview must be one of: {', '.join(fields)}."
            )
        problem = self.oversized_text(request.POST)
        if problem:
            return plain_error(HttpResponseBadRequest, problem)
        page = self.page or self.model_admin.model()
        for name in fields:
            if name in request.POST:
                # As the change form will save it: stripped, with the fixtures' LF line breaks.
                setattr(page, name, request.POST[name].replace("\r\n", "\n").strip())
        with reading.everything():
            rendering = getattr(page, f"rendered_{field}")
            cited_here = set(rendering.citations)
            references = [entry for entry in page.cited_references() if entry.key in cited_here]
            return render(
                request,
                "admin/editor/preview.html",
                {"html": rendering.html, "references": references, "field": field},
            )


class ChangesView(EditorView):
    """The posted change form against the saved page (nothing, on an add form),
    as the page's history shows the differences between two revisions."""

    http_method_names = ["post"]

    def post(self, request):
        problem = self.oversized_text(request.POST)
        if problem:
            return plain_error(HttpResponseBadRequest, problem)
        model = self.model_admin.model
        saved = self.page.snapshot() if self.page is not None else history.NOTHING
        form_class = self.model_admin.get_form(request, self.page, change=self.page is not None)
        form = form_class(request.POST, request.FILES, instance=self.page or model())
        form.is_valid()
        yours = form.instance.snapshot(self.many_to_many(form))
        diffs = [diff for diff in history.compare(saved, yours, model) if diff.changed]
        invalid = [capfirst(form.fields[name].label or name) for name in form.errors if name in form.fields]
        return render(
            request,
            "admin/editor/changes.html",
            {"diffs": diffs, "invalid": invalid, "conflict": getattr(form, "edit_conflict", None)},
        )

    @staticmethod
    def many_to_many(form):
        """The form's many-to-many values (the saved ones for a field with an
        error; none for a page not saved yet), as ``Page.snapshot`` takes them."""
        values = {}
        for f in form._meta.model._meta.many_to_many:
            if f.name in form.fields and f.name in form.cleaned_data:
                values[f.name] = form.cleaned_data[f.name]
            elif form.instance.pk is None:
                values[f.name] = []
        return values


class TitlesView(EditorView):
    """Up to ten pages whose title or alias starts with (or has a word starting
    with) ``q``: the search box's suggestions, at "everything"."""

    http_method_names = ["get"]

    def get(self, request):
        query = request.GET.get("q", "")
        if len(query) > MAX_QUERY_CHARS:
            return plain_error(
                HttpResponseBadRequest, f"A title to look up has at most {MAX_QUERY_CHARS} characters."
            )
        with reading.everything():
            results = search.suggest(query)
        return JsonResponse({"query": query, "results": results})


# The editor's views, by the last part of their address and URL name.
VIEWS = {"preview": PreviewView, "changes": ChangesView, "titles": TitlesView}


def citation_choices(page):
    """What the citation picker offers: the references ``page`` cites now (at
    "everything", numbered as on the page), the source's own notes that have a
    ``Reference`` record, and every sentence of the source text, by section."""
    cited = []
    if page is not None:
        with reading.everything():
            cited = page.cited_references()
    return {
        "cited": cited,
        "notes": list(Reference.objects.order_by("number")),
        "sections": [
            (" › ".join(section) if section else "Introduction", units)
            for section, units in sources.current().sections()
        ],
        "quote_words": PICKER_QUOTE_WORDS,
    }
