# Two commands for a fresh clone: `make demo` and `make test`. Each builds its own venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
SEED := data/seed/000_fc0049aa6689bdbf.txt

.PHONY: demo test lint model dict bench venv clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/indicatorml parse $(SEED) --format table

test: $(VENV)/.installed
	$(BIN)/ruff check indicatorml tests benchmarks scripts
	$(PY) -m pytest -q

model: $(VENV)/.installed
	$(BIN)/indicatorml train --out models/default

dict: $(VENV)/.installed
	$(PY) scripts/build_dict.py

bench: $(VENV)/.installed
	for f in benchmarks/bench_*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
