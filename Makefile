# Azora chain core — every entry point. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    ?= .venv
PY      := $(VENV)/bin/python
BIN     := $(abspath $(VENV)/bin)
ANVIL_DIR := $(abspath node_modules/@foundry-rs/anvil-linux-amd64/bin)
# ape-foundry finds anvil on PATH; the venv's tools (ape, azora, pytest) come first.
export PATH := $(BIN):$(ANVIL_DIR):$(PATH)
NETWORK ?= ethereum:local:foundry
PROFILE ?= dev

.PHONY: help install run demo test fuzz compile lint bench bench-gas bench-governance bench-indexer clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=25.1"
	$(PY) -m pip install --quiet -e . --group dev
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	test -x $(ANVIL_DIR)/anvil
	touch $@

install: $(VENV)/.installed node_modules/.installed ## Install Python (.venv) and Node (anvil) dependencies

compile: install ## Compile the Vyper contracts with ape
	ape compile

run: install ## Bring up the whole system: anvil, PostgreSQL, Redis, deploy, migrate, indexer, API, oracles, worker
	$(PY) -m azora.cli up --profile $(PROFILE) $(ARGS)

demo: install ## make run + the demo: token activity, course completions, a governance proposal end to end
	$(PY) -m azora.cli up --profile $(PROFILE) --demo

test: install ## Run the full test suite: contracts, indexer, API, oracles, e2e (anvil + PostgreSQL + Redis)
	HYPOTHESIS_PROFILE=quick ape test tests --ignore=tests/indexer --network $(NETWORK) -q
	@# The reorg tests rewrite history with anvil_reorg: they get an anvil of their own.
	ape test tests/indexer --network $(NETWORK) -q

fuzz: install ## Long stateful fuzzing: >= 50k steps per state machine (titanoboa)
	HYPOTHESIS_PROFILE=long pytest -q tests/contracts/stateful -p no:ape_test

lint: install ## ruff + mypy
	ruff check .
	ruff format --check .
	mypy

bench: bench-gas bench-governance bench-indexer ## Every benchmark (numbers recorded in bench/README.md)

bench-gas: install ## Gas of token and ledger operations on anvil
	python bench/gas_token.py

bench-governance: install ## Gas of governance and vote-token operations vs OpenZeppelin v5 (solcjs)
	python bench/gas_governance.py

bench-indexer: install ## Indexer backfill events/s, its upper bound and head-to-API latency (< 10 min)
	python bench/indexer_backfill.py

clean: ## Remove build output and local state (keeps .venv and node_modules)
	rm -rf .build .azora deployments/local.json deployments/abi
