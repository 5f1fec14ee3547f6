.PHONY: run test setup lint migrations-check bench loadtest messages clean

PY := .venv/bin/python

run:            ## set up and run web + worker + beat with demo data on http://127.0.0.1:$PORT (default 8000)
	scripts/setup.sh
	PORT="$${PORT:-8000}" scripts/run.sh

test:           ## set up (incl. chromium) and run the whole test suite
	scripts/setup.sh --browser
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

setup:
	scripts/setup.sh

lint:           ## ruff: style, Django and timezone rules, and at most 12 branches per function (mccabe)
	.venv/bin/ruff check .

migrations-check:
	$(PY) manage.py makemigrations --check --dry-run

bench:          ## speed goals of DESIGN.md on a generated data set: SIZE=1m (default), 10m, national or tiny
	scripts/setup.sh
	DEBUG=true $(PY) scripts/bench.py --size $(or $(SIZE),1m)

loadtest:       ## 50 social workers logging sessions against gunicorn for DURATION seconds (default 300)
	scripts/setup.sh
	$(PY) scripts/loadtest.py --duration $(or $(DURATION),300)

messages:       ## refresh the Dutch catalogue after changing UI strings
	$(PY) scripts/i18n.py

clean:
	rm -rf .venv node_modules staticfiles
