# AfterSchool: `make run` starts the portal with demo data; `make test` runs every check.
# Works on a fresh Debian machine with only Python 3.11+ and make.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test deploy-tools test-at test-dates lint migrations-check pytest setup setup-dev browser fonts pg-client messages clean bench-import bench bench-quick bench-scale deploy-check

# Text messages are printed by the worker (var/log/worker.log) unless .env or the shell names a provider.
run: export SMS_BACKEND ?= console
run: setup .env fonts
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	bin/run-dev $(HOST) $(PORT)

test: setup-dev .env browser fonts deploy-tools pg-client lint migrations-check pytest

setup: $(VENV)/.installed-runtime
setup-dev: $(VENV)/.installed-dev

$(VENV)/bin/python:
	bin/make-venv $(PYTHON) $(VENV)

$(VENV)/.installed-runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

# A developer's own settings, with a fresh secret key; real environment variables still win.
.env:
	$(PY) bin/make-env

# Chromium from Debian, and axe-core (the accessibility checks) from the npm registry into var/cache/axe;
# Debian's nginx and openssl for the tests behind a real TLS proxy (tests/deploy/, test_behind_nginx).
browser:
	bin/ensure-chromium
	bin/ensure-axe
	bin/ensure-nginx

# Before going live, with the production environment: Django's deploy check, DEBUG, the secret,
# database, broker, migrations, fonts, a running beat; NGINX_CONF=… runs nginx -t on the site's
# configuration, URL=https://… asks the portal through the proxy (CAFILE=… trusts a private CA).
deploy-check: setup
	$(PY) manage.py deploy_check $(if $(NGINX_CONF),--nginx-conf "$(NGINX_CONF)") $(if $(URL),--url "$(URL)") $(if $(CAFILE),--cafile "$(CAFILE)")

# The Chinese font of the generated PDF reports (Debian's fonts-wqy-microhei).
fonts:
	bin/ensure-fonts

# systemd-analyze and logrotate from Debian, for the deploy kit's tests (deploy/systemd, deploy/logrotate).
deploy-tools:
	bin/ensure-deploy-tools

# pg_dump, pg_restore and psql (Debian's postgresql-client) for manage.py backup and restore on PostgreSQL.
pg-client:
	bin/ensure-pg-client

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

migrations-check:
	$(PY) manage.py makemigrations --check --dry-run

pytest:
	$(PY) -m pytest $(PYTEST_ARGS)

# The suite "as of" another moment (Asia/Shanghai), through Debian's faketime; browser tests left out:
#   make test-at AT="2027-03-15 09:00:00"
AT ?= 2027-03-15 09:00:00
test-at: setup-dev .env fonts
	bin/ensure-faketime
	bin/test-at "$(AT)" $(PYTEST_ARGS)

# CI's extra runs (F11): a spring-term Monday, a summer-holiday day, a Sunday, and New Year's Eve 23:30.
TEST_DATES := "2027-03-15 09:00:00" "2027-08-03 14:00:00" "2027-04-11 10:00:00" "2026-12-31 23:30:00"
test-dates: setup-dev .env fonts
	bin/ensure-faketime
	for at in $(TEST_DATES); do bin/test-at "$$at" -q $(PYTEST_ARGS) || exit 1; done

# Rebuild locale/zh_Hans from the code and locale/sources/*.json (English msgid -> 中文), compile
# the .mo, and list any visible string still without a Chinese translation.
messages: setup-dev
	$(PY) bin/translate

# Roster import benchmark: a generated 10,000-student .xlsx imported against the floor (openpyxl
# read + one bulk insert per table); prints the ratio and peak memory, writes bench/RESULTS-roster-import.md.
bench-import: setup
	$(PY) bench/roster_import.py

# Every benchmark of bench/ (page cost against a bare view, query counts at S and 10S, enrollment
# burst, roster import, term report) against PostgreSQL and Redis (started if down) with gunicorn;
# prints one table and writes bench/RESULTS.md. Under 20 minutes; bench-quick is for development.
bench: setup-dev
	$(PY) bench/run_all.py

bench-quick: setup-dev
	$(PY) bench/run_all.py --quick

# A city on one primary: SCALE=1 generates 100 million attendance marks over 1,000 schools (about half
# an hour on 2 cores, 22 GB of disk) and measures the term report, dashboard, roll call and release;
# not part of `make bench`. Writes bench/RESULTS-scale.md headed by its scale.
SCALE ?= 0.01
bench-scale: setup-dev
	$(PY) bench/scale.py --scale $(SCALE)

clean:
	rm -rf var/broker var/cache var/celerybeat-schedule* var/test-*.sqlite3* var/test-reports var/bench
