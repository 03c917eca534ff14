# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := ADVISOR_HUB_ENV=development $(BIN)/flask --app advisor_hub
PYBABEL := $(BIN)/pybabel
# Quiet installs: `make run` shows the demo logins, not pip's progress and notices.
# Twice quiet: pip then prints errors only (this machine's pip configuration names find-links
# folders that do not exist, one warning per package; the build backend's notices too).
PIP := $(BIN)/pip --quiet --quiet --disable-pip-version-check --no-input
CATALOGUES := $(wildcard */translations) $(wildcard advisor_hub/*/translations)

AXE := tests/browser/axe/node_modules/axe-core/axe.min.js

.PHONY: run test lint typecheck translations extract-messages bench clean axe

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg setup.py pyproject.toml
	$(PIP) install -e '.[test]'
	touch $@

# axe-core for the browser accessibility test, at the version of package-lock.json (Node 20).
$(AXE): tests/browser/axe/package.json tests/browser/axe/package-lock.json
	cd tests/browser/axe && npm ci --no-audit --no-fund --loglevel=error
	touch $@

axe: $(AXE)

translations: $(VENV)/.installed
	@for dir in $(CATALOGUES); do $(PYBABEL) -q compile -f -d $$dir || exit 1; done

RUN_HOST ?= 127.0.0.1
RUN_PORT ?= 5000

run: translations
	$(FLASK) db-upgrade
	$(FLASK) seed-demo --if-empty
	@# The local demo is plain http on 127.0.0.1, so its session cookie cannot be Secure.
	@# The publishing scheduler runs inside the web process; --with-threads because the
	@# app calls the Sandbox it mounts under /sandbox over HTTP (the scheduler, outside any
	@# request, learns where from SANDBOX_API_BASE: the address chosen here, nowhere else).
	SCHEDULER_ENABLED=true ADVISOR_HUB_SESSION_COOKIE_SECURE=false \
		SANDBOX_API_BASE=http://$(RUN_HOST):$(RUN_PORT)/sandbox \
		ADVISOR_HUB_CAMPAIGN_PUBLIC_URL=http://$(RUN_HOST):$(RUN_PORT) \
		$(FLASK) run --host $(RUN_HOST) --port $(RUN_PORT) --with-threads

test: translations $(AXE)
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
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache build dist tests/browser/axe/node_modules
