# Everything Hotline needs is installed from requirements.lock (pinned, hashed) into .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck check bench accuracy gallery lock clean timeline-png

$(STAMP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	touch $(STAMP)

## run: the bot — console on the embedded store without DISCORD_TOKEN, Discord with it
run: $(STAMP)
	$(BIN)/python -m bot

## test: lint, type-check and the whole test suite
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy .

## bench: generate the benchmark stores once (bench/data/) and print the table; writes docs/PERFORMANCE.md
bench: $(STAMP)
	$(BIN)/python -m bench.run

## accuracy: how well readouts are read (the dev set in ../shared/data/readouts), field by field, and how fast
accuracy: $(STAMP)
	$(BIN)/python -m bench.accuracy

## timeline-png: the README's picture, /timeline of the sample record, as docs/timeline.png
timeline-png: $(STAMP)
	$(BIN)/python -m tools.timeline_png docs/timeline.png

## gallery: docs/GALLERY.md, the console output of each main command on the sample at a fixed clock
gallery: $(STAMP)
	$(BIN)/python -m tools.gallery --out docs/GALLERY.md

## lock: re-resolve requirements.lock from pyproject.toml (needs pip-tools)
lock:
	$(BIN)/python -m pip install --quiet pip-tools==7.6.2
	$(BIN)/pip-compile -q --extra dev --generate-hashes --strip-extras --allow-unsafe -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
