"""The wiki while its database cannot be reached.

Which database errors mean that the database is unreachable (stopped,
restarting, refusing connections, its file unreadable or locked) rather
than that a query is wrong, and the answer then: ``503 Service
Unavailable`` with ``Retry-After`` and a page saying the wiki is briefly
unavailable, rendered without the request, so without a query (as the 500
page is). ``server_error`` is the site's ``handler500``: Django calls it for
an exception raised anywhere in a request, a middleware as well as a view.
Pages stored in the cache are still served meanwhile (``wiki.cache``).
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

RETRY_AFTER_SECONDS = 30

# PostgreSQL's SQLSTATE classes and codes: connection exception; insufficient
# resources (too many connections, say); shut down, crashed, starting up.
_POSTGRESQL_UNAVAILABLE = ("08", "53", "57P01", "57P02", "57P03")
# SQLite: the file cannot be opened or read, or another process holds it past the busy timeout.
_SQLITE_UNAVAILABLE = ("SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_BUSY")


def database_unavailable(error):
    """Whether ``error`` says that the database cannot be reached, rather than that a query is wrong."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__ or error
    sqlite_error = getattr(cause, "sqlite_errorname", None)
    if sqlite_error is not None:
        return sqlite_error.startswith(_SQLITE_UNAVAILABLE)
    # psycopg: no SQLSTATE when the server never answered (refused, closed the connection).
    sqlstate = getattr(cause, "sqlstate", "")
    return sqlstate is None or sqlstate.startswith(_POSTGRESQL_UNAVAILABLE)


def service_unavailable():
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """503 when the database cannot be reached, else Django's 500 page (``templates/500.html``)."""
    if database_unavailable(sys.exc_info()[1]):
        return service_unavailable()
    return defaults.server_error(request)
