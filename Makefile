# The two quick-start commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo test lint serve bench clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

## Set up, load the demo, plan and publish it, serve it on http://127.0.0.1:5000
demo: $(VENV)/.installed
	$(BIN)/outreach db upgrade
	$(BIN)/outreach seed-demo
	$(BIN)/outreach plan --scenario indre-et-loire --publish --time-limit 30
	$(BIN)/outreach plan --scenario loire --publish --time-limit 30 --quiet
	$(BIN)/outreach plan --scenario deux-sevres --publish --time-limit 30 --quiet
	$(BIN)/outreach create-user --email admin@demo --role admin
	$(BIN)/outreach create-user --email coordinateur@demo --role coordinator --organisation dep-37
	$(BIN)/outreach seed-programme
	$(BIN)/outreach plan-home --week 2027-01-04 --publish
	$(BIN)/outreach create-user --email coordination34@demo --role coordinator --organisation dep-34
	$(BIN)/outreach create-user --email puericultrice@demo --role nurse --nurse p-arnaud
	$(BIN)/python -m web --host $(HOST) --port $(PORT)

## Set up with the test extras and run the whole suite
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

## Compile the message catalogues (web/translations/*/LC_MESSAGES/messages.po -> .mo)
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d web/translations -D messages

## Lint and type-check (run by .ci/run)
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy solver outreach web

serve: $(VENV)/.installed
	$(BIN)/python -m web --host $(HOST) --port $(PORT)

clean:
	rm -rf $(VENV) var .pytest_cache
