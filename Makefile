# Manyi: the two commands of the README are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: run test install install-dev migrate demo lint format messages worker beat bench bench-load bench-online clean

$(VENV)/.installed: requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found; set PYTHON=/path/to/python3.11"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

## Start the app with demo data on http://127.0.0.1:8000
run: demo
	$(PY) manage.py runserver $(HOST)

## Install what the tests need and run the whole suite, lint included
test: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

lint: install-dev
	$(VENV)/bin/ruff check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Extract and compile the translation catalogues (needs GNU gettext; the compiled .mo files are committed)
messages: install
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore '.venv/*' --ignore 'static/vendor/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=info

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=info

## The benchmarks of docs/performance.md, one after the other (PostgreSQL)
bench: install-dev
	$(PY) bench/bench_figures.py
	$(PY) bench/bench_ranking.py
	$(PY) bench/bench_import.py
	$(PY) bench/bench_home.py

## The load benchmark (gunicorn + PostgreSQL + locust, 5 minutes; DURATION=20 for a smoke run)
DURATION ?= 300
bench-load: install-dev
	$(PY) bench/bench_load.py --duration $(DURATION)

## The online answering benchmark (gunicorn + PostgreSQL + locust, 200 respondents, six phases of $(ONLINE_DURATION) s)
ONLINE_DURATION ?= 60
bench-online: install-dev
	$(PY) bench/bench_online.py --duration $(ONLINE_DURATION)

clean:
	rm -rf $(VENV) var
