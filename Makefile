# Outreach: `make run` serves the app with demo data, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test test-sqlite test-postgres lint bench translations system-packages clean

install: $(STAMP) outreach_app/translations/zh_Hans_CN/LC_MESSAGES/messages.mo

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

outreach_app/translations/zh_Hans_CN/LC_MESSAGES/messages.mo: outreach_app/translations/zh_Hans_CN/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d outreach_app/translations

run: install
	scripts/ensure-system-packages --fonts
	$(BIN)/flask db upgrade
	$(BIN)/flask demo-data --if-empty
	$(BIN)/flask run --host $(HOST) --port $(PORT)

system-packages:
	scripts/ensure-system-packages

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/import-cycles

test-sqlite: install system-packages
	$(BIN)/python -m pytest

test-postgres: install system-packages
	scripts/with-postgres $(BIN)/python -m pytest

# The two databases' runs are independent, so they run side by side (one per core).
test: lint install system-packages
	$(MAKE) -j2 --output-sync=target test-sqlite test-postgres

bench: install system-packages
	$(BIN)/python bench/run.py

# Refresh the message catalog after changing user-visible strings.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o outreach_app/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i outreach_app/translations/messages.pot -d outreach_app/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d outreach_app/translations

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
