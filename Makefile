# Two set-up commands (README): `make demo` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test serve bench bench-scale fuzz docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,ocr,cluster]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/jixiao review examples -o out
	for f in examples/填报/*.xlsx; do $(BIN)/jixiao author "$$f" -o out/填报 || exit 1; done

test: $(STAMP)
	$(BIN)/python -m pytest -q

serve: $(STAMP)
	$(BIN)/jixiao serve

bench: $(STAMP)
	$(BIN)/python bench/bench_review.py
	$(BIN)/python bench/bench_readers.py

bench-scale: $(STAMP)
	$(BIN)/python bench/bench_scale.py 100 1000 10000 --browser

# mutation fuzzing of every reader (tests/fuzz/run.py): FUZZ_CASES per reader, each in a child process
FUZZ_CASES ?= 5000
fuzz: $(STAMP)
	$(BIN)/python tests/fuzz/run.py --cases $(FUZZ_CASES)

clean:
	rm -rf $(VENV) out .pytest_cache build
