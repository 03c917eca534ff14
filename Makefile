# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := ADVISOR_HUB_ENV=development $(BIN)/flask --app advisor_hub
PYBABEL := $(BIN)/pybabel
CATALOGUES := $(wildcard */translations) $(wildcard advisor_hub/*/translations)

.PHONY: run test lint typecheck translations extract-messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg setup.py pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

translations: $(VENV)/.installed
	@for dir in $(CATALOGUES); do $(PYBABEL) -q compile -f -d $$dir || exit 1; done

run: translations
	$(FLASK) db-upgrade
	$(FLASK) seed-demo --if-empty
	@# The local demo is plain http on 127.0.0.1, so its session cookie cannot be Secure.
	@# The publishing scheduler runs inside the web process; --with-threads because the
	@# app calls the Sandbox it mounts under /sandbox over HTTP.
	SCHEDULER_ENABLED=true ADVISOR_HUB_SESSION_COOKIE_SECURE=false \
		$(FLASK) run --host 127.0.0.1 --port 5000 --with-threads

test: translations
	$(BIN)/ruff check .
	@# A type error in a service module fails `make test` (the list: setup.cfg's [mypy]).
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .

# mypy on the service modules and the dispatcher (the files list is in setup.cfg's [mypy]);
# `make test` runs it too. Incremental: the cache is .mypy_cache/ (git-ignored).
typecheck: $(VENV)/.installed
	$(BIN)/mypy

# Refresh every catalogue after adding strings: each package and sub-package keeping a
# `translations/` folder is extracted from its own folder. A package's extraction ignores its
# sub-packages that keep their own catalogue (advisor_hub/publishing, ...): Flask-Babel merges
# every catalogue of i18n.translation_directories(), so each string belongs to one of them.
extract-messages: $(VENV)/.installed
	@mapping=$$(mktemp); trap 'rm -f "$$mapping"' EXIT; \
	for dir in $(CATALOGUES); do \
		pkg=$${dir%/translations}; : > "$$mapping"; \
		for own in $$pkg/*/translations; do \
			[ -d "$$own" ] && own=$${own%/translations} && echo "[ignore: $${own##*/}/**]" >> "$$mapping"; \
		done; \
		cat babel.cfg >> "$$mapping"; \
		$(PYBABEL) -q extract -w 100 -F "$$mapping" -k _l -k lazy_gettext -o $$dir/messages.pot $$pkg && \
		$(PYBABEL) -q update -w 100 -i $$dir/messages.pot -d $$dir || exit 1; \
	done

bench: translations
	$(BIN)/python bench/library.py
	$(BIN)/python bench/policy.py
	$(BIN)/python bench/dispatch.py
	$(BIN)/python bench/dashboard.py
	$(BIN)/python bench/campaigns.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/faults.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache build dist
