# xiaoe — make run / make test set up a virtual environment on first use, from the hashed lock file.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
LOCK   := requirements.lock
STAMP  := $(VENV)/.installed
LOG    := $(VENV)/install.log
# pytest-xdist workers for make test: one per core (XDIST=0 runs in one process).
XDIST  ?= auto

.PHONY: run test check lint lock bench clean

# The lock pins every dependency (runtime, dev, bench, the build backend) with its hashes; pip refuses any
# file whose hash differs. The project itself goes in afterwards, editable and without dependencies. Install
# chatter goes to $(LOG) and is shown only when something fails.
$(STAMP): $(LOCK) pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "正在安装依赖，首次约需30秒…（记录：$(LOG)）"
	@{ $(PY) -m pip install --quiet --require-hashes --no-deps -r $(LOCK) \
	   && $(PY) -m pip install --quiet --no-deps --no-build-isolation -e . ; } >$(LOG) 2>&1 \
	   || { cat $(LOG); echo "安装失败 / install failed (full log: $(LOG))"; exit 1; }
	@touch $(STAMP)

run: $(STAMP)  ## Telegram when TELEGRAM_BOT_TOKEN is set, otherwise the terminal consultation
	@$(PY) bot.py

test: $(STAMP)  ## the whole suite (parallel workers), plus ruff
	$(PY) -m ruff check .
	$(PY) -m pytest -q -n $(XDIST)

check: $(STAMP)  ## for iterating: ruff and the fast tests (not the slow end-to-end ones), under ~30 s
	$(PY) -m ruff check .
	$(PY) -m pytest -q -n $(XDIST) -m "not slow"

lint: $(STAMP)  ## ruff, the import layers (pyproject.toml [tool.importlinter]) and mypy ([tool.mypy])
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy

# Refresh the lock from pyproject.toml: newest versions allowed by its ranges. To upgrade one dependency
# only: make lock LOCK_ARGS="--upgrade-package NAME".
LOCK_ARGS ?=
lock: $(STAMP)
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --extra bench --generate-hashes --python-version 3.11 \
	    --custom-compile-command "make lock" --quiet --output-file $(LOCK) $(LOCK_ARGS)
	@echo "$(LOCK) updated: review git diff $(LOCK), then make test"

bench: $(STAMP)  ## benchmarks: prints one table and writes it to bench/results.md (2-3 minutes)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache
