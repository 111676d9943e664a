# Two commands set everything up on a fresh machine: `make run` and `make test`.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: run test bench clean fonts

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# The samples include a deliberately broken file, so exit 1 ("some documents failed") is
# the expected outcome here; a usage or configuration error (exit 2) still fails.
run: $(STAMP)
	$(BIN)/nianbao run; rc=$$?; [ $$rc -le 1 ] || exit $$rc

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/run_bench.py
	$(BIN)/python bench/hostile_run.py
	$(BIN)/python bench/scale_costs.py

clean:
	rm -rf $(VENV) warehouse/*.duckdb bench/corpus
