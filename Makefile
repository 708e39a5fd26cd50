# xiaoe — make run / make test set up a virtual environment on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)  ## Telegram when TELEGRAM_BOT_TOKEN is set, otherwise the terminal consultation
	$(PY) bot.py

test: $(STAMP)  ## the whole suite, plus ruff
	$(PY) -m ruff check .
	$(PY) -m pytest -q

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)  ## benchmarks: prints one table and writes it to bench/results.md (2-3 minutes)
	$(PY) -m bench

lint: $(STAMP)  ## ruff, the import layers (pyproject.toml [tool.importlinter]) and mypy ([tool.mypy])
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy

clean:
	rm -rf $(VENV) .pytest_cache
