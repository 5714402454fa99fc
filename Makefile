# lcai: `make demo` sets up and runs the main job; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench setup clean wheel test-lightning

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,uncertainty,track]'
	$(BIN)/python -m compileall -q src  # bytecode, as an installed package has it
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/lcai assess examples/open-model-lifecycle.yaml
	@mkdir -p out
	$(BIN)/lcai assess examples/open-model-lifecycle.yaml --json --output out/open-model-lifecycle.json
	$(BIN)/lcai report examples/open-model-lifecycle.yaml --output out/report.html
	@echo "JSON result: out/open-model-lifecycle.json"
	@echo "Open the report: $(CURDIR)/out/report.html"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy src
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -q

# The Lightning callback's tests (and the PyTorch examples of docs/integrations.md) need PyTorch, which the dev extra leaves out: a side
# environment. TORCH names what to install for it (a CPU build is enough), e.g.
# `make test-lightning TORCH=path/to/torch-...+cpu-....whl`.
TORCH ?= torch
test-lightning:
	$(PYTHON) -m venv .venv-lightning
	.venv-lightning/bin/pip install --quiet '$(TORCH)'
	.venv-lightning/bin/pip install --quiet -e '.[dev,track,lightning]' 'accelerate>=1.1'  # accelerate: transformers' Trainer on PyTorch
	.venv-lightning/bin/pytest -q -p no:cacheprovider tests/test_integrations_lightning.py tests/test_docs_integrations.py

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_cli.py
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_montecarlo.py
	$(BIN)/python benchmarks/bench_sensitivity.py
	$(BIN)/python benchmarks/bench_report.py
	$(BIN)/python benchmarks/bench_track.py
	$(BIN)/python benchmarks/bench_fleet.py
	$(BIN)/python benchmarks/bench_web.py
	$(BIN)/python benchmarks/bench_web_page.py

wheel: $(STAMP)
	$(BIN)/python -m build --wheel --outdir dist

clean:
	rm -rf $(VENV) .venv-lightning dist build out .pytest_cache .mypy_cache .ruff_cache
