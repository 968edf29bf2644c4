# Two entry points, both safe on a fresh machine (Python 3.11 and npm, no venv, no Quarto):
#   make report   build the site and the executive PDF from data/customers.csv
#   make test     install test tools (apt) and run the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-requirements
# npm writes this file on every install; it changes when the lock file's packages do.
JS_STAMP := renderer/js/node_modules/.package-lock.json

.PHONY: report test system-deps venv js

venv: $(STAMP)

# The site's third-party JavaScript (search), pinned by renderer/js/package-lock.json.
js: $(JS_STAMP)

$(JS_STAMP): renderer/js/package.json renderer/js/package-lock.json
	npm ci --prefix renderer/js --no-audit --no-fund
	touch $(JS_STAMP)

# Reinstall only when requirements.txt changes.
$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

report: $(STAMP) $(JS_STAMP)
	$(PY) -m analysis render

# Test-only system packages: R (reference fixtures), Chromium (browser checks),
# poppler-utils (PDF text and page checks), Java for PySpark local mode.
system-deps:
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  missing=""; \
	  for p in r-base-core r-cran-sandwich r-cran-car r-cran-lmtest r-cran-jsonlite r-cran-quantreg r-cran-emmeans chromium poppler-utils openjdk-17-jre-headless; do \
	    dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	  done; \
	  if [ -n "$$missing" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  fi; \
	else echo "not root or no apt-get: install R, chromium and poppler-utils yourself"; fi

test: $(STAMP) $(JS_STAMP) system-deps
	$(PY) -m pytest -q
