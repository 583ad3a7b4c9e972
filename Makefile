# The README's two commands on a fresh Linux machine with Python 3.11:
#   make run    install, migrate and serve the portal at http://127.0.0.1:8000/
#   make test   install the test tools and run the whole test suite
#
# DATABASE_URL, CELERY_BROKER_URL and CACHE_URL pass from the environment to
# the portal and the tests unchanged (make exports what it inherits); unset,
# the portal runs on SQLite, eager Celery and an in-process cache.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

# Reinstall only when a requirements file changes: the stamps remember when.
RUNTIME_STAMP := $(VENV)/.requirements.stamp
DEV_STAMP := $(VENV)/.requirements-dev.stamp

.DEFAULT_GOAL := help
.PHONY: help run test superuser lint system-deps clean

help:
	@echo "make run        serve the portal at http://127.0.0.1:$(PORT)/ (SQLite, eager Celery, e-mail on the console)"
	@echo "make test       run the test suite (PYTEST_ARGS='...' passes options to pytest)"
	@echo "make superuser  create an admin user for /admin/"
	@echo "make lint       ruff check and mypy"
	@echo "make clean      remove the virtualenv and caches (keeps var/: database and private files)"

$(PY):
	@$(PYTHON) -m venv $(VENV) || { \
	  echo "Cannot create $(VENV) with $(PYTHON). On Debian/Ubuntu: apt-get install python3.11 python3.11-venv"; \
	  exit 1; }

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements-dev.txt requirements.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	@touch $(RUNTIME_STAMP) $@

run: $(RUNTIME_STAMP)
	$(PY) manage.py migrate --noinput
	@echo "To create an admin user for /admin/, run: $(PY) manage.py createsuperuser"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

superuser: $(RUNTIME_STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createsuperuser

test: $(DEV_STAMP) system-deps
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

# The browser journeys drive Debian's Chromium; the PDF tests render pages
# with pdftoppm (poppler-utils).
system-deps:
	@if [ -x /usr/bin/chromium ] && command -v pdftoppm >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	else echo "The tests need chromium and poppler-utils, and installing them needs root or sudo:" \
	  "apt-get install chromium poppler-utils"; exit 1; fi; \
	echo "Installing chromium and poppler-utils with apt-get"; \
	$$sudo apt-get update -q && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-liberation poppler-utils || { \
	  echo "apt-get could not install chromium and poppler-utils; install them and run make test again"; exit 1; }

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
