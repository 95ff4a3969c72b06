# Redress: the two commands a newcomer needs are `make run` and `make test`.
# Needs only Python 3.11 (with its venv module) and make; `make messages` alone needs GNU gettext.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PO := locale/zh_Hans/LC_MESSAGES/django.po
MO := $(PO:.po=.mo)
# Stamps: what was installed into .venv, redone when pyproject.toml changes. A venv made by
# `make run` (base only) gets the dev extras on the first `make test`.
BASE := $(VENV)/.installed-base
DEV := $(VENV)/.installed-dev

.PHONY: install install-dev run test test-clocks lint format messages bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# The dependencies pyproject.toml lists, not the project itself: it runs from this checkout.
$(BASE): pyproject.toml | $(PY)
	$(PY) scripts/requirements.py > $(VENV)/requirements.txt
	$(PIP) install --quiet -r $(VENV)/requirements.txt
	touch $@

$(DEV): pyproject.toml | $(PY)
	$(PY) scripts/requirements.py dev > $(VENV)/requirements-dev.txt
	$(PIP) install --quiet -r $(VENV)/requirements-dev.txt
	touch $(BASE) $@

# Compiled in pure Python (polib), so no GNU gettext; redone whenever the .po is newer.
$(MO): $(PO) | $(BASE)
	$(PY) manage.py compile_catalogue -v0

# What running needs: the base dependencies and the compiled catalogue.
install: $(BASE) $(MO)

# What testing, linting and benchmarking need as well: the dev extras.
install-dev: $(DEV) $(MO)

# Installs Redress, creates the SQLite demo database and starts the server.
run: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

# Installs the dev extras too and runs the whole suite on PostgreSQL (a throwaway cluster when
# DATABASE_URL is not set).
test: install-dev
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run -v0
	scripts/with-postgres $(VENV)/bin/pytest $(PYTEST_ARGS)

# The date-sensitive tests again, with the clock started at 23:30 and 00:30 Asia/Shanghai
# around a new year (the UTC date is 31 December at both) and at 23:30 UTC on the last day of
# a month and of a year (Shanghai is already in the next month); see tests/clock.py.
CLOCKS := 2026-12-31T23:30+08:00 2027-01-01T00:30+08:00 2026-11-30T23:30+00:00 2026-12-31T23:30+00:00
CLOCK_TESTS ?= tests/complaints tests/escalation tests/intake tests/reporting tests/api tests/security tests/correspondence tests/improvement
test-clocks: install-dev
	scripts/with-postgres sh -c 'for clock in $(CLOCKS); do \
	  $(VENV)/bin/pytest -q --clock=$$clock $(CLOCK_TESTS) $(PYTEST_ARGS) || exit 1; done'

lint: $(DEV)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: $(DEV)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# For maintainers: extracts new strings into the .po. makemessages runs GNU gettext
# (apt-get install -y gettext); compiling does not.
messages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=tests --no-obsolete
	$(PY) manage.py compile_catalogue

# Seeds a throwaway PostgreSQL and times the product through gunicorn (see tests/bench).
bench: install-dev
	scripts/with-postgres $(PY) -m tests.bench $(BENCH_ARGS)
