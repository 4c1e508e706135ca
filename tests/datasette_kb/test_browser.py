"""A real browser (Debian's chromium, headless, through Selenium and chromium-driver) on `kb serve`:
search ぜい弱性, open 12.6.1, follow it to its history; log in, open 6.1.3, follow it to the 約款
clause it cites and download the evidence linked to it. Skipped with the reason when no browser is installed (.ci/run installs one)."""

from __future__ import annotations

import shutil

import pytest

from tests.builders import build_demo_db
from tests.serving import kb_serve

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture
def browser():
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is not installed (pip install -e .[dev])"
    )
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("no chromium and chromedriver on PATH (apt-get install chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(10)
    yield driver
    driver.quit()


def test_search_vulnerability_open_12_6_1_and_its_history(browser, tmp_path):
    from selenium.webdriver.common.by import By

    build_demo_db(tmp_path).close()
    with kb_serve(tmp_path / "kb.db") as port:
        browser.get(f"http://127.0.0.1:{port}/-/kb-search")
        box = browser.find_element(By.ID, "kb-q")
        box.send_keys("ぜい弱性")
        box.submit()
        first = browser.find_element(By.CSS_SELECTOR, "#kb-hits li a")
        assert first.text.startswith("12.6.1")
        assert browser.find_element(By.CSS_SELECTOR, "#kb-hits li mark").text == "ぜい弱性"
        first.click()
        assert "/kb/responses/" in browser.current_url
        cell = browser.find_element(By.CSS_SELECTOR, "td.col-control_id")
        assert cell.text.startswith("12.6.1")
        cell.find_element(By.PARTIAL_LINK_TEXT, "history").click()
        assert "control_history" in browser.current_url
        dates = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "td.col-date")]
        assert dates and all(dates)


def _demo_with_contract_and_evidence(tmp_path):
    """The demo whitepaper, its 約款 and the data-centre report linked to 6.1.3 (which cites 第12条)."""
    from click.testing import CliRunner

    from kb.cli import cli
    from tests.paths import DEMO

    kb = tmp_path / "kb.db"
    for args in (
        ["import", "whitepaper", str(DEMO / "sample_whitepaper.md")],
        ["import", "clauses", str(DEMO / "sample_contract.md")],
        ["evidence", "add", str(DEMO / "evidence" / "datacenter_audit.pdf"), "--control", "6.1.3"]
        + ["--classification", "public", "--title", "データセンター所在地 確認報告書"],
    ):
        result = CliRunner().invoke(cli, ["--db", str(kb), *args])
        assert result.exit_code == 0, result.output
    return kb


def test_log_in_follow_a_response_to_its_clause_and_download_its_evidence(browser, tmp_path):
    import time

    from selenium.webdriver.common.by import By

    from tests.paths import DEMO

    kb = _demo_with_contract_and_evidence(tmp_path)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    from datasette_auth_passwords.utils import hash_password

    accounts = tmp_path / "passwords.txt"
    accounts.write_text(f"auditor:{hash_password('correct horse', iterations=1000)}\n", encoding="utf-8")
    with kb_serve(kb, "--password-file", str(accounts)) as port:
        browser.get(f"http://127.0.0.1:{port}/-/kb-search")
        browser.implicitly_wait(0)
        assert not browser.find_elements(By.ID, "kb-q")  # no page before a login (403)
        browser.implicitly_wait(10)
        browser.get(f"http://127.0.0.1:{port}/-/login")
        browser.find_element(By.NAME, "username").send_keys("auditor")
        password = browser.find_element(By.NAME, "password")
        password.send_keys("correct horse")
        password.submit()
        browser.get(f"http://127.0.0.1:{port}/-/kb-search?q=データの保管場所&kind=response")
        first = browser.find_element(By.CSS_SELECTOR, "#kb-hits li a")
        assert first.text.startswith("6.1.3")
        first.click()
        response_page = browser.current_url
        # response -> the clause it cites: its clause_refs row ("Links from other tables"), whose
        # article links to the clause
        browser.find_element(By.CSS_SELECTOR, 'a[href*="/clause_refs?response_id="]').click()
        browser.find_element(By.CSS_SELECTOR, "td.col-article a").click()
        assert "/kb/clauses" in browser.current_url
        assert "データの保管場所" in browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns").text
        # response -> the evidence linked to its control -> the file, downloaded
        browser.get(response_page)
        browser.find_element(By.CSS_SELECTOR, "td.col-control_id").find_element(
            By.PARTIAL_LINK_TEXT, "evidence"
        ).click()
        browser.find_element(By.CSS_SELECTOR, "td.col-evidence_id a").click()
        browser.find_element(By.PARTIAL_LINK_TEXT, "download").click()
        deadline = time.monotonic() + 30
        while not [p for p in downloads.iterdir() if p.suffix == ".pdf"] and time.monotonic() < deadline:
            time.sleep(0.2)
        [saved] = [p for p in downloads.iterdir() if p.suffix == ".pdf"]
        assert saved.read_bytes() == (DEMO / "evidence" / "datacenter_audit.pdf").read_bytes()
