"""The parameters of the wiki's addresses, checked before they reach a query.

A value a view reads from its address is checked here, in one place, and a
bad one (not a whole number, negative, beyond what the database can store,
empty, given twice, too long, with a NUL) is answered with 400 and a page
that says what was wrong (``BadParameter``, shown by ``templates/400.html``),
never with a database error:

* ``integer(request.GET, "to", field=...)``: a whole number of a query
  string, within the range of the model field it is compared with, on the
  database in use;
* ``text("title", value)``: a name given in a path (``/go/<title>/``);
* ``PaginatedMixin``: ``?page=`` of a paginated list view;
* the path converters ``IdConverter`` (a row's primary key) and
  ``IntegerConverter`` (a positive integer column), ``<id:…>`` and
  ``<number:…>`` in ``wiki.urls``: a path whose number the database cannot
  hold matches no URL, and is a 404;
* ``SingleValuedParametersMiddleware``: a parameter given twice
  (``?season=1&season=2``) is refused before any view reads it, so no view,
  form or third-party view (the sitemap's ``?p=``) silently picks one of them.
"""

import re
from functools import cache

from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import connection
from django.urls import reverse
from django.utils.module_loading import import_string

from wiki.reading import describe

MISSING = object()
_DIGITS = re.compile(r"[0-9]{1,20}")
_SIGNED_DIGITS = re.compile(r"-?[0-9]{1,20}")
_INTEGER_TYPES = ("AutoField", "IntegerField")


class BadParameter(BadRequest):
    """A parameter of the address that the view cannot use; ``problem`` says
    why, in words a reader understands (with the value printable and short)."""

    def __init__(self, name, problem):
        self.name = name
        self.problem = problem
        super().__init__(problem)

    @classmethod
    def for_value(cls, name, value, expected):
        """``value`` of ``name`` is not what it should be (``expected``: "a whole number…")."""
        if value == "":
            return cls(name, f"The “{name}” in the address is empty: it must be {expected}.")
        shown = describe(value)
        given = f"“{shown}” is not" if shown else "the value given has no printable character"
        return cls(name, f"The “{name}” in the address must be {expected}; {given}.")


def integer_range(internal_type):
    """(lowest, highest) value the database in use stores in a column of
    ``internal_type`` ("PositiveIntegerField", "BigAutoField"...)."""
    low, high = connection.ops.integer_field_range(internal_type)
    if internal_type.endswith("AutoField"):
        low = max(low, 1)
    return low, high


def integer(query, name, *, field=None, minimum=0, maximum=None, default=MISSING):
    """The whole number ``name`` of ``query`` (a ``QueryDict``): at least
    ``minimum``, at most ``maximum``, and one that ``field`` (the model field
    it is compared with; else a 64-bit integer) holds on the database in use;
    ``default`` if it is absent. Raises ``BadParameter`` for anything else."""
    values = query.getlist(name)
    if not values:
        if default is MISSING:
            raise BadParameter(name, f"The “{name}” in the address is missing.")
        return default
    if len(values) > 1:
        raise BadParameter(name, f"The “{name}” in the address is given {len(values)} times: give it once.")
    low, high = integer_range(field.get_internal_type() if field is not None else "BigIntegerField")
    low = max(low, minimum)
    high = high if maximum is None else min(high, maximum)
    value = values[0]
    if not _DIGITS.fullmatch(value) or not low <= int(value) <= high:
        raise BadParameter.for_value(name, value, f"a whole number from {low} to {high}")
    return int(value)


def names_a_row(field, value):
    """Whether ``value``, an id from an address, is one that ``field`` (a primary
    key, or a link to one: a page kind's id is its parent link) could hold on
    the database in use. Django checks the range of integer lookups, but not
    through a relation, where SQLite then overflows."""
    if field.is_relation:
        field = field.target_field
    internal_type = field.get_internal_type()
    if not internal_type.endswith(_INTEGER_TYPES):
        return True
    low, high = integer_range(internal_type)
    return bool(_SIGNED_DIGITS.fullmatch(value)) and low <= int(value) <= high


def text(name, value, *, max_length):
    """``value`` (a name from the path) if a database can compare it: at most
    ``max_length`` characters, and no NUL. Raises ``BadParameter``."""
    if "\x00" in value:
        raise BadParameter(name, f"The “{name}” in the address contains a NUL character.")
    if len(value) > max_length:
        length = len(value)
        raise BadParameter(
            name, f"The “{name}” in the address is {length} characters long; it can be at most {max_length}."
        )
    return value


class SingleValuedParametersMiddleware:
    """Answers 400 to an address that gives a query parameter more than once,
    except the parameters named in ``settings.WIKI_MULTI_VALUED_PARAMETERS``
    and in the admin (whose list filters take several values)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.multi_valued = frozenset(settings.WIKI_MULTI_VALUED_PARAMETERS)

    def __call__(self, request):
        if not request.path.startswith(admin_prefix()):
            problem = repeated(request.GET, allowed=self.multi_valued)
            if problem is not None:
                raise problem
        return self.get_response(request)


def repeated(query, allowed=frozenset()):
    """A ``BadParameter`` for the first parameter of ``query`` (a ``QueryDict``)
    given more than once, other than those ``allowed``; None if there is none."""
    for name, values in query.lists():
        if len(values) > 1 and name not in allowed:
            given = f"is given {len(values)} times: give it once"
            return BadParameter(name, f"The “{describe(name)}” in the address {given}.")
    return None


@cache
def admin_prefix():
    return reverse("admin:index")


class PaginatedMixin:
    """For a paginated ``ListView``: ``?page=`` is a whole number from 1, or a
    400 that says so; a number past the last page is Django's 404."""

    def paginate_queryset(self, queryset, page_size):
        integer(self.request.GET, self.page_kwarg, minimum=1, default=1)
        return super().paginate_queryset(queryset, page_size)


class IntegerConverter:
    """A whole number in a path that a column of ``internal_type`` can hold on
    the database in use; any other number matches no URL (a 404)."""

    regex = "[0-9]+"
    internal_type = "PositiveIntegerField"

    def to_python(self, value):
        if len(value) > 20:
            raise ValueError(value)
        number = int(value)
        low, high = integer_range(self.internal_type)
        if not low <= number <= high:
            raise ValueError(value)
        return number

    def to_url(self, value):
        return str(value)


class IdConverter(IntegerConverter):
    """A primary key (``<id:pk>``), as ``settings.DEFAULT_AUTO_FIELD`` stores it."""

    @property
    def internal_type(self):
        return import_string(settings.DEFAULT_AUTO_FIELD)().get_internal_type()
