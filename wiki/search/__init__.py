"""Full-text search over every page.

``queries`` answers searches (ranked results, snippets, suggestions, "go"),
``spelling`` makes the "did you mean" suggestions, ``index`` writes the
index (the write path, ``wiki.models.Page.save``, calls it), ``backends``
holds each database's SQL and ``text`` makes queries safe and builds snippets.
"""
