# Two commands set everything up on a fresh machine: `make run` and `make test`.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
NB_STAMP := $(VENV)/.installed-notebook
WAREHOUSE ?= warehouse/nianbao.duckdb

.PHONY: run test bench clean fonts notebook

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# The samples include a deliberately broken file, so exit 1 ("some documents failed") is
# the expected outcome here; a usage or configuration error (exit 2) still fails.
run: $(STAMP)
	$(BIN)/nianbao run --warehouse $(WAREHOUSE); rc=$$?; [ $$rc -le 1 ] || exit $$rc

$(NB_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[notebook]'
	@touch $(NB_STAMP)

# Built from the samples only when missing (a file target without prerequisites).
$(WAREHOUSE):
	$(MAKE) run WAREHOUSE=$(WAREHOUSE)

# JupyterLab in notebooks/, on the warehouse (built from raw/samples/ first if there is none).
notebook: $(NB_STAMP) $(WAREHOUSE)
	cd notebooks && NIANBAO_WAREHOUSE=$(abspath $(WAREHOUSE)) $(abspath $(BIN))/jupyter lab

test: $(STAMP)
	$(BIN)/python -m pytest -n auto

bench: $(STAMP)
	$(BIN)/python bench/run_bench.py
	$(BIN)/python bench/hostile_run.py
	$(BIN)/python bench/scale_costs.py

clean:
	rm -rf $(VENV) warehouse/*.duckdb bench/corpus
