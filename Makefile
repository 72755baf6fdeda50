# Two commands for a fresh clone: `make demo` and `make test`. Each builds its own venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
SEED := data/seed/000_fc0049aa6689bdbf.txt

.PHONY: demo test lint model dict bench venv clean

$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(None if sys.version_info >= (3, 11) else "indicatorml needs Python 3.11+, $(PYTHON) is " + sys.version.split()[0] + ": run make PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]' -c constraints.txt
	touch $@

venv: $(VENV)/.installed

# The main job on the shipped data: read the seed table, auto-code drafts, find precedents, check the table.
demo: $(VENV)/.installed
	$(BIN)/indicatorml parse $(SEED) --format table
	$(BIN)/indicatorml classify 服务民营中小企业数量 资金支付及时率 群众满意度 带动就业人数
	$(BIN)/indicatorml precedents 引进首店数量 --top 5
	$(BIN)/indicatorml check $(SEED)

# What CI runs (.ci/run): the linters, then every test. While iterating, `make lint` alone, or
# `.venv/bin/python -m pytest -m "not slow"` (skips model training, the browser, the wheel and
# the notebook).
test: lint
	$(PY) -m pytest -q

# Style, formatting, types and the import layers ([tool.ruff], [tool.mypy], [tool.importlinter]).
lint: $(VENV)/.installed
	$(BIN)/ruff check indicatorml tests benchmarks scripts
	$(BIN)/ruff format --check indicatorml tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

model: $(VENV)/.installed
	$(BIN)/indicatorml train --out models/default

dict: $(VENV)/.installed
	$(PY) scripts/build_dict.py

bench: $(VENV)/.installed
	for f in benchmarks/bench_*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
