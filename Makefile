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

.PHONY: install database fixtures run serve test-tools test lint format clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# Loads the fixtures only into an empty database, so re-running keeps the editors' changes.
LOAD_FIXTURES_IF_EMPTY := if $(MANAGE) shell --no-imports -c "from wiki.models import Page; raise SystemExit(Page.objects.exists())"; \
	then $(MANAGE) loaddata fixtures/*.json; else echo "The database already has content; 'make fixtures' reloads it."; fi

database: install
	$(DEV_ENV) $(MANAGE) migrate --noinput
	export $(DEV_ENV); $(LOAD_FIXTURES_IF_EMPTY)

# Reloads every fixture: pages that come from the fixtures get their fixture text back.
fixtures: install
	$(DEV_ENV) $(MANAGE) migrate --noinput
	$(DEV_ENV) $(MANAGE) loaddata fixtures/*.json

run: database
	$(DEV_ENV) $(MANAGE) runserver $(HOST):$(PORT)

serve: install
	$(MANAGE) migrate --noinput
	$(LOAD_FIXTURES_IF_EMPTY)
	$(MANAGE) collectstatic --noinput
	$(BIN)/gunicorn heromask_wiki.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3}

# The browser tests need Debian's Chromium and a Java runtime (for the Nu HTML checker),
# and axe-core and vnu-jar from npm; the front-cache test needs Varnish.
test-tools:
	@command -v chromium >/dev/null && command -v java >/dev/null && [ -x /usr/sbin/varnishd ] || { \
		echo "Installing Chromium, a Java runtime and Varnish with apt-get (needs root)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium default-jre-headless varnish; }
	@[ -d tests/browser/node_modules/axe-core ] && [ -d tests/browser/node_modules/vnu-jar ] || \
		npm ci --prefix tests/browser --no-audit --no-fund

# The import-linter contracts (pyproject.toml) keep the engine free of content.
test: install test-tools
	$(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-wal db.sqlite3-shm
