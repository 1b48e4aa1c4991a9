# Two commands do all set-up on a fresh machine with Python 3 and make: `make run`, `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     ?= sqlite:///deskapp-demo.db

.PHONY: run test lint bench demo check-config messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[postgres,web,reports,test]'
	touch $(STAMP)

run: $(STAMP)
	@$(BIN)/deskapp --db $(DB) demo --if-empty --pause
	$(BIN)/deskapp --db $(DB)

# The suite runs in parallel, one pytest-xdist worker per core (TEST_WORKERS=0 for one process); slow
# tests start first (tests/conftest.py) and worksteal keeps both workers busy until the end. The options
# live here, not in pyproject's addopts, so `python -m pytest FILE` stays one quick process.
TEST_WORKERS ?= auto

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# ruff (rules and why in pyproject.toml) and the import-linter contracts (the layers).
lint: $(STAMP)
	$(BIN)/ruff check deskapp tests bench
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

check-config: $(STAMP)
	$(BIN)/deskapp check-config

# The translation catalogues (README "Languages"): extract every marked message into messages.pot,
# merge it into each language's .po, compile the .mo files that are committed beside them.
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k lazy_gettext -k NP_:1c,2 --no-location --sort-output --project deskapp \
		-o deskapp/locale/messages.pot .
	$(BIN)/pybabel -q update -i deskapp/locale/messages.pot -d deskapp/locale --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel -q compile -d deskapp/locale

clean:
	rm -rf $(VENV) deskapp-demo.db deskapp-demo.db-wal deskapp-demo.db-shm
