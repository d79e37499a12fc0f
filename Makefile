# Two entry points for a fresh machine with Python 3.11+ and make:
#   make demo   set up .venv, audit the shipped sample areas, say where the output is
#   make test   set up .venv with test extras, run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT := out

.PHONY: demo test lint bench clean

$(BIN)/ost-audit: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/ost-audit
	@mkdir -p $(OUT)
	-$(BIN)/ost-audit validate sample_returns/*/*.xlsx --output $(OUT)/validate.txt
	@echo "Validation of every sample return: $(OUT)/validate.txt"

test: $(BIN)/ost-audit
	$(BIN)/python -m pytest

lint: $(BIN)/ost-audit
	$(BIN)/ruff check .

bench: $(BIN)/ost-audit
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(OUT) build dist *.egg-info
