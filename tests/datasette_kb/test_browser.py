"""A real browser (Debian's chromium, headless, through Selenium and chromium-driver) on `kb serve`:
search ぜい弱性, open 12.6.1, follow it to its history. Skipped with the reason when no browser is installed
(.ci/run installs one)."""

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
