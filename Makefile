# Postroom: `make demo` runs it, `make test` tests it. Both set everything up first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON_FOR_VENV := $(shell scripts/find-python.sh)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo demo-reset serve test lint typecheck test-sqlite test-postgres test-browser bench system-deps messages clean

$(BIN)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	@test -n "$(PYTHON_FOR_VENV)" || { echo "Python 3.12+ is required (pyenv 3.12 or python3.12)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON_FOR_VENV) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

venv: $(BIN)/.installed

demo: venv messages
	$(BIN)/postroom demo

# The demo afresh: deletes data/postroom.sqlite3 and data/files/, loads the demo again.
demo-reset: venv messages
	$(BIN)/postroom demo --reset

serve: venv messages
	$(BIN)/postroom serve

# Debian packages the tests need: Chromium for the browser tests, xmlsec1 for SAML,
# gettext (msgfmt) for the translations.
system-deps:
	@scripts/system-deps.sh

# The translations (docs/languages.md): each postroom/locale/*/LC_MESSAGES/django.po
# compiled to the django.mo Django reads; the .mo files are built, never committed.
# Only msgfmt is installed here when missing, so `make demo` installs nothing else.
messages: venv
	@command -v msgfmt >/dev/null || scripts/system-deps.sh gettext
	cd postroom && ../$(BIN)/django-admin compilemessages --verbosity 0

lint: venv
	$(BIN)/ruff check postroom tests bench
	$(BIN)/ruff format --check postroom tests bench
	$(BIN)/lint-imports --no-logo

typecheck: venv
	$(BIN)/mypy postroom

test-sqlite: venv messages
	$(BIN)/pytest -q -m "not browser"

test-postgres: venv messages
	DATABASE_URL=$$(scripts/ensure-postgres.sh) $(BIN)/pytest -q -m "not browser" -p no:cacheprovider

test-browser: venv system-deps messages
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -q -m browser

test: venv system-deps messages lint typecheck test-sqlite test-postgres test-browser
	@echo "All checks passed."

bench: venv
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
	find postroom/locale -name '*.mo' -delete
