# Two commands set everything up on a fresh machine with Python 3.11:
#   make run    create .venv, install, index corpus/ when missing or stale, start the chat
#   make test   create .venv, install, run the test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install index clean

run: index
	$(BIN)/newsdesk serve

test: $(STAMP)
	$(BIN)/python -m pytest

index: $(STAMP)
	$(BIN)/newsdesk ingest

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .newsdesk
