"""The parameters of the API's addresses, read and checked before they reach a query.

An operation declares its parameters with the types below; each is read
from the address once, by its declared name only, and anything else a
reader may add is left alone. A bad value is answered with 400 and a
message in the words of the site's own pages (``wiki.params``): the
parameter by name, and what it must be.
"""

import re
from typing import Annotated

from ninja.params.models import Query as NinjaQuery
from ninja.params.models import QueryModel
from pydantic import BeforeValidator, Field

MAX_PAGE_NUMBER = 1_000_000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
SLUG_MAX_LENGTH = 200

_DIGITS = re.compile(r"[0-9]{1,20}")


def _whole_number(value):
    # pydantic would also take " 1", "+1", "1_0" and "1.0"; an address gives digits.
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise ValueError("must be a whole number")
    return value


# Their bounds are given where they are declared (``api.api``), as the schema shows them.
PageNumber = Annotated[int, BeforeValidator(_whole_number)]
PerPage = Annotated[int, BeforeValidator(_whole_number)]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, min_length=1, max_length=SLUG_MAX_LENGTH)]


class _DeclaredParameters(QueryModel):
    """The query parameters of one operation: only those it declares (one value
    each: ``api.middleware`` refuses a parameter given twice before this runs)."""

    @classmethod
    def get_request_data(cls, request, api, path_params):
        return {name: request.GET[name] for name in cls.__ninja_flatten_map__ if name in request.GET}


class Query(NinjaQuery):
    """A query parameter, as ``ninja.Query``, read by ``_DeclaredParameters``.
    (The class's name is the OpenAPI ``in`` of its parameters: "query".)"""

    _model = _DeclaredParameters


def problem_with(error):
    """What a reader is told about one pydantic error of a parameter (ninja's
    errors carry the parameter's name and pydantic's words, not the value)."""
    name = str(error["loc"][-1]) if error.get("loc") else "address"
    if error.get("type") == "missing":
        return f"The “{name}” in the address is missing."
    message = error.get("msg", "").removeprefix("Value error, ") or "it is not valid"
    return f"The “{name}” in the address is not valid: {message[0].lower()}{message[1:]}."
