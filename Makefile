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
	$(BIN)/ost-audit validate sample_returns/*/*.xlsx --fail-on never --output $(OUT)/validate.txt
	$(BIN)/ost-audit doses sample_returns/*/*.xlsx --fail-on never --output $(OUT)/doses.txt
	$(BIN)/ost-audit contracts sample_returns --fail-on never --output $(OUT)/contracts.txt
	$(BIN)/ost-audit report sample_returns/westhaven --fail-on never --output $(OUT)/westhaven-report.html
	$(BIN)/ost-audit history sample_returns/eastbrook --fail-on never --output $(OUT)/eastbrook-history.txt
	$(BIN)/ost-audit report sample_returns/eastbrook --fail-on never --output $(OUT)/eastbrook-report.html
	@echo
	@echo "Outputs (all from SYNTHETIC sample data):"
	@echo "  $(OUT)/validate.txt            every fault in every sample return, by cell"
	@echo "  $(OUT)/doses.txt               prescribing against the 2017 UK guideline"
	@echo "  $(OUT)/contracts.txt           payment for completion and time limits in the contracts"
	@echo "  $(OUT)/westhaven-report.html   the full audit of the richest sample area (open in a browser)"
	@echo "  $(OUT)/eastbrook-history.txt   four quarters of one area: the change, and who vanished or was cut while using"
	@echo "  $(OUT)/eastbrook-report.html   its report, with the Over time section"

test: $(BIN)/ost-audit
	$(BIN)/python -m pytest

lint: $(BIN)/ost-audit
	$(BIN)/ruff check .

bench: $(BIN)/ost-audit
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(OUT) build dist *.egg-info
