# The two commands a newcomer needs: `make run` and `make test`.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
MANAGE := $(BIN)/python manage.py
# The development server runs in debug mode so it serves static files itself;
# production uses `make serve` (gunicorn + WhiteNoise).
DEV_ENV := DJANGO_DEBUG=$${DJANGO_DEBUG:-1}

.PHONY: install run serve test lint format fixtures clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

fixtures: install
	$(DEV_ENV) $(MANAGE) migrate --noinput
	$(DEV_ENV) $(MANAGE) loaddata fixtures/*.json
	$(DEV_ENV) $(MANAGE) rebuild_search_index

run: fixtures
	$(DEV_ENV) $(MANAGE) runserver $(HOST):$(PORT)

# Loads the fixtures only into an empty database, so a restart keeps the editors' changes.
serve: install
	$(MANAGE) migrate --noinput
	if $(MANAGE) shell -c "from articles.models import Page; raise SystemExit(Page.objects.exists())"; then \
		$(MANAGE) loaddata fixtures/*.json; fi
	$(MANAGE) collectstatic --noinput
	$(BIN)/gunicorn heromask_wiki.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3}

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-wal db.sqlite3-shm
