# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app advisor_hub
CATALOGUES := $(wildcard */translations) $(wildcard advisor_hub/*/translations)

.PHONY: run test lint translations extract-messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

translations: $(VENV)/.installed
	@for dir in $(CATALOGUES); do $(BIN)/pybabel -q compile -f -d $$dir || exit 1; done

run: translations
	$(FLASK) db-upgrade
	$(FLASK) seed-demo --if-empty
	@# The local demo is plain http on 127.0.0.1, so its session cookie cannot be Secure.
	ADVISOR_HUB_SESSION_COOKIE_SECURE=false $(FLASK) run --host 127.0.0.1 --port 5000

test: translations
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .

# Refresh every package's message catalogue after adding strings.
extract-messages: $(VENV)/.installed
	@for pkg in advisor_hub content_library approvals; do \
		$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o $$pkg/translations/messages.pot $$pkg && \
		$(BIN)/pybabel -q update -i $$pkg/translations/messages.pot -d $$pkg/translations || exit 1; \
	done

bench: translations
	$(BIN)/python bench/library.py
	$(BIN)/python bench/policy.py
	$(BIN)/python bench/dispatch.py
	$(BIN)/python bench/dashboard.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
