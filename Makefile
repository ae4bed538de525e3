# The two commands of the README: `make run` tries Extra Mile, `make test` tests it.
# Both build .venv with Python 3.12 on a fresh machine (pyenv's 3.12 via .python-version, or python3.12).

SHELL := /bin/bash
VENV := .venv
STAMP := $(VENV)/.installed
PY := $(VENV)/bin/python

PYTHON312 := $(shell \
	if command -v pyenv >/dev/null 2>&1 && pyenv which python >/dev/null 2>&1 && \
	   [ "$$(pyenv exec python -c 'import sys; print(sys.version_info[:2] >= (3, 12))' 2>/dev/null)" = True ]; then \
	  pyenv which python; \
	elif command -v python3.12 >/dev/null 2>&1; then command -v python3.12; \
	elif ls $$HOME/.pyenv/versions/3.12*/bin/python3.12 >/dev/null 2>&1; then ls $$HOME/.pyenv/versions/3.12*/bin/python3.12 | tail -1; \
	elif command -v python3 >/dev/null 2>&1 && python3 -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then command -v python3; \
	fi)

.PHONY: run test venv clean demo

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON312)" ]; then echo "Python 3.12 not found: install it (e.g. 'pyenv install 3.12') and retry." >&2; exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON312)"
	@test -x $(PY) || "$(PYTHON312)" -m venv $(VENV)
	@$(PY) -m pip install -qq --upgrade pip
	@$(PY) -m pip install -qq -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@$(VENV)/bin/extramile demo --if-empty
	@$(VENV)/bin/extramile run

test: $(STAMP)
	@$(VENV)/bin/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) *.egg-info extramile.db extramile.db-wal extramile.db-shm
