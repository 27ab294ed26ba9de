# CareLoop — the two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_MEMBERS ?= 20000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test test-e2e lint bench screenshots setup clean-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/careloop db upgrade
	$(BIN)/careloop demo --members $(DEMO_MEMBERS) --if-empty
	@echo ""
	@echo "CareLoop console: http://127.0.0.1:8501"
	@$(BIN)/careloop users demo-logins
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port 8501 --server.headless true

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest tests -m "not e2e"; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 1; fi; exit $$rc

test-e2e: $(STAMP)
	@command -v chromium >/dev/null 2>&1 && fc-list | grep -qi "noto.*cjk" || \
		(apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk)
	$(BIN)/python -m pytest tests/e2e -m e2e; rc=$$?; if [ $$rc -eq 5 ]; then echo "no e2e tests collected"; exit 1; fi; exit $$rc

screenshots: $(STAMP)
	@command -v chromium >/dev/null 2>&1 && fc-list | grep -qi "noto.*cjk" || \
		(apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk)
	$(BIN)/python -m tests.e2e.screenshots

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean-data:
	rm -rf data/careloop.db data/careloop.db-wal data/careloop.db-shm data/demo_cookie_key
