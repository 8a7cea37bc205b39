"""Schemathesis against the API's own OpenAPI document, through the WSGI
application (no network): for every operation, requests generated from the
schema, valid and invalid, must get no server error and an answer the schema
describes (status code, content type, headers and body)."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

pytestmark = pytest.mark.django_db
EXAMPLES_PER_OPERATION = 8


@pytest.fixture
def api_schema(module_story, db):
    # As Django's test client does: a request must not close the connection that
    # holds the test's transaction (PostgreSQL would then find it closed).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
        loaded.config.generation.update(
            modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
        )
        yield loaded
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_schema_says(case):
    # The WSGI client does not undo gzip (heromask_wiki.middleware compresses public answers).
    case.call_and_validate(headers={"Accept-Encoding": "identity"})
