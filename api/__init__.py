"""The read-only JSON API (``/api/v1/``): every kind of page, categories, search
and suggestions, at the reader's limit, with an OpenAPI schema and its
documentation page. It stands above the content apps and the engine, and
changes nothing."""
