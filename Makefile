# The two commands a newcomer runs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := out/demo

.PHONY: demo test lint bench fuzz clean

$(BIN)/python:
	@echo "==> Creating the virtual environment $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# pip's own progress (not --quiet): the first install downloads Sudachi's dictionary and Datasette.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> Installing evidence-kb and its dependencies into $(VENV) (the first time takes a few minutes)"
	$(BIN)/python -m pip install --progress-bar on -e ".[dev,bench,plot]"
	touch $(STAMP)

demo: $(STAMP)
	@mkdir -p $(DEMO)
	@rm -f $(DEMO)/kb.db $(DEMO)/kb.db-wal $(DEMO)/kb.db-shm
	@rm -rf $(DEMO)/kb.db.vault
	@echo "==> Building the demo KB $(DEMO)/kb.db from demo/ (whitepaper and 利用約款 in Japanese and English, evidence)"
	$(BIN)/kb --db $(DEMO)/kb.db import whitepaper demo/sample_whitepaper.md
	$(BIN)/kb --db $(DEMO)/kb.db import whitepaper demo/sample_whitepaper_en.md --lang en
	$(BIN)/kb --db $(DEMO)/kb.db import clauses demo/sample_contract.md
	$(BIN)/kb --db $(DEMO)/kb.db import clauses demo/sample_contract_en.md
	$(BIN)/kb --db $(DEMO)/kb.db check refs
	$(BIN)/kb --db $(DEMO)/kb.db evidence add demo/evidence/datacenter_audit.pdf --title "データセンター所在地 確認報告書" \
		--control 6.1.3 --classification public --valid-from 2026-04-10 --valid-until 2030-04-30
	$(BIN)/kb --db $(DEMO)/kb.db evidence add demo/evidence/isms_certificate.md --title "ISMS クラウドセキュリティ認証 登録証（要約）" \
		--control 18.2.1 --classification public --valid-from 2026-09-15 --valid-until 2029-09-14
	$(BIN)/kb --db $(DEMO)/kb.db evidence add demo/evidence/backup_procedure.docx --control 12.3.1 --owner 運用部
	$(BIN)/kb --db $(DEMO)/kb.db evidence list
	@echo "==> Answering three questions, then filling demo/sample_checksheet.xlsx"
	$(BIN)/kb --db $(DEMO)/kb.db answer "データセンターはどの国にありますか。"
	$(BIN)/kb --db $(DEMO)/kb.db answer "Where are your data centers located?"
	$(BIN)/kb --db $(DEMO)/kb.db answer "契約の準拠法はどこの国の法律ですか。"
	$(BIN)/kb --db $(DEMO)/kb.db export json -o $(DEMO)/kb.json
	$(BIN)/kb --db $(DEMO)/kb.db export whitepaper -o $(DEMO)/whitepaper.html
	$(BIN)/kb --db $(DEMO)/kb.db fill demo/sample_checksheet.xlsx -o $(DEMO)/filled_checksheet.xlsx \
		--report $(DEMO)/fill_report.json --review $(DEMO)/review.html
	$(BIN)/kb --db $(DEMO)/kb.db publish --audience public -o $(DEMO)/kb_public.db
	@echo "The review loop: a decision workbook, a salesperson's decisions (demo/decide.py), kb apply, the next fill"
	$(BIN)/kb --db $(DEMO)/kb.db fill demo/sample_checksheet.xlsx -o $(DEMO)/filled_for_review.xlsx \
		--review $(DEMO)/decisions.xlsx
	$(BIN)/python demo/decide.py $(DEMO)/decisions.xlsx $(DEMO)/decided.xlsx
	$(BIN)/kb --db $(DEMO)/kb.db apply $(DEMO)/decided.xlsx --to $(DEMO)/filled_for_review.xlsx \
		-o $(DEMO)/final_checksheet.xlsx --approve --owner "営業 山田" --customer "サンプル商事"
	$(BIN)/kb --db $(DEMO)/kb.db fill demo/sample_checksheet.xlsx -o $(DEMO)/second_fill.xlsx \
		--review $(DEMO)/second_decisions.xlsx
	$(BIN)/python demo/decide.py --show $(DEMO)/second_decisions.xlsx
	@echo
	@echo "Open next:"
	@echo "  $(DEMO)/filled_checksheet.xlsx  the sample check sheet as kb fill wrote it"
	@echo "  $(DEMO)/review.html             what a person still has to decide, and why (a browser)"
	@echo "  $(DEMO)/decisions.xlsx          the decision workbook: choose in its 判断 column, then kb apply"
	@echo "  $(DEMO)/final_checksheet.xlsx   the sheet after demo/decide.py's decisions were applied"
	@echo "  $(DEMO)/whitepaper.html         the disclosure document regenerated from the KB (kb export whitepaper)"
	@echo "Browse the demo KB in Datasette:  $(BIN)/kb --db $(DEMO)/kb.db serve   then http://127.0.0.1:8001/"
	@echo "kb on your PATH:  source $(VENV)/bin/activate   (or: pipx install .)"
	@echo "Guides per role:  docs/ja/ (日本語), docs/en/ (English), linked from README.md"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

# Hypothesis fuzz tests of the XML patcher, the check-sheet reader, the whitepaper and clause importers
# with the long budget (a fixed number of examples each; make test runs 25 of each).
FUZZ_EXAMPLES ?= 2000
FUZZ_TESTS := tests/exporters/test_xlsx_patch_fuzz.py tests/importers/test_reader_fuzz.py \
	tests/importers/test_clauses_fuzz.py

fuzz: $(STAMP)
	KB_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest $(FUZZ_TESTS)

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf out .pytest_cache .ruff_cache
