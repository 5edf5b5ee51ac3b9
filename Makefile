# The README's two commands: `make run` and `make test`. Everything they need is installed here.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install

$(STAMP): requirements.lock requirements-dev.lock pyproject.toml tests/browser/package-lock.json
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	# axe-core for the accessibility checks (browser tests skip without npm or chromium).
	if command -v npm >/dev/null; then npm ci --prefix tests/browser --no-audit --no-fund --silent; fi
	touch $(STAMP)

install: $(STAMP)

## Start the service on http://127.0.0.1:8000 with the embedded SQLite database.
run: $(STAMP)
	$(BIN)/sirf server

## Run the whole test suite (SQLite always; PostgreSQL too when reachable; browser tests when
## /usr/bin/chromium exists — .ci/run installs it and makes both mandatory).
test: $(STAMP)
	$(BIN)/pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
