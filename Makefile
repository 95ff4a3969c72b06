# Redress: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: install run test test-clocks lint format messages bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

install: $(PY)
	$(PIP) install --quiet -e ".[dev]"
	$(PY) manage.py compilemessages --ignore=.venv -v0

# Installs everything, creates the SQLite demo database and starts the server.
run: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

# Installs everything and runs the whole suite on PostgreSQL (a throwaway cluster when
# DATABASE_URL is not set).
test: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run -v0
	scripts/with-postgres $(VENV)/bin/pytest $(PYTEST_ARGS)

# The date-sensitive tests again, with the clock started where the UTC date and the
# Asia/Shanghai date differ and at the ends of a month and a year (see tests/clock.py).
CLOCKS := 2026-11-30T23:30+08:00 2027-01-01T00:30+08:00 2026-11-30T23:30+00:00 2026-12-31T23:30+00:00
CLOCK_TESTS ?= tests/complaints tests/escalation tests/intake tests/reporting tests/api
test-clocks: install
	scripts/with-postgres sh -c 'for clock in $(CLOCKS); do \
	  $(VENV)/bin/pytest -q --clock=$$clock $(CLOCK_TESTS) $(PYTEST_ARGS) || exit 1; done'

lint: $(PY)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: $(PY)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: $(PY)
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=tests --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

# Seeds a throwaway PostgreSQL and times the product through gunicorn (see tests/bench).
bench: install
	scripts/with-postgres $(PY) -m tests.bench $(BENCH_ARGS)
