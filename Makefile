# One command sets up and tests (`make test`); one runs the offline preview of prod (`make preview`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test preview bench clean verify-demo

$(STAMP): pyproject.toml requirements.txt policy/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]" -r policy/requirements.txt
	touch $(STAMP)

# The virtualenv with the program, the offline tools and the pack's requirements (what `test` installs first).
install: $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

preview: $(STAMP)
	$(BIN)/agencyos-infra preview --stack prod

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache

# The go-live verifier against compliant loopback fixtures (DNS, HTTPS, HTTP) for examples/verify-demo.
verify-demo: $(STAMP)
	$(BIN)/python -m agencyos_infra.verify.demo
