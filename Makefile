# The two commands of the README: `make run` and `make test`. Both install what they need first.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/newsdesk serve --host $(HOST) --port $(PORT)

# pytest exits 5 when it collects no test: make treats that, like any non-zero status, as a failure.
# The browser tests drive Debian's Chromium: scripts/install-system-deps.sh installs it (once; quiet after).
test: install
	bash scripts/install-system-deps.sh
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/dedup.py
	$(BIN)/python bench/clustering.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/removal.py
