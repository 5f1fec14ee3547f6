.PHONY: run test setup lint migrations-check bench messages clean

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

bench:          ## speed goals of DESIGN.md on a large generated data set
	scripts/setup.sh
	DEBUG=true $(PY) scripts/bench.py

messages:       ## refresh the Dutch catalogue after changing UI strings
	$(PY) scripts/i18n.py

clean:
	rm -rf .venv node_modules staticfiles
