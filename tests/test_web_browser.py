"""The workbench driven in headless Chromium: change, run, read, compare, export.

Uses the system browser (Debian ``chromium`` and ``chromium-driver``); skipped with a
message where they or selenium are missing.
"""

import gzip
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("dash", reason="the workbench needs Dash (pip install 'zsa-sim[web]')")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")

from selenium.common.exceptions import (  # noqa: E402
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tests.web_fixture import tiny_scenario  # noqa: E402
from zsa_sim.experiment.runner import RunOptions, run_experiment  # noqa: E402
from zsa_sim.web.app import start_server  # noqa: E402
from zsa_sim.web.callbacks import answer_rows  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture
def browser(tmp_path):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs /usr/bin/chromium and /usr/bin/chromedriver (apt chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
    ):
        options.add_argument(arg)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.downloads = downloads
    yield driver
    driver.quit()


@pytest.fixture
def tiny(tmp_path):
    return tiny_scenario(tmp_path / "scenario")


@pytest.fixture
def server(tmp_path, tiny):
    running = start_server(tiny, port=0, out_root=tmp_path / "results", workers=2, background=True)
    yield running
    running.stop()


def wait(driver, condition, timeout=40.0):
    # the page is redrawn (language switch, reload): an element read may be gone
    return WebDriverWait(
        driver, timeout, poll_frequency=0.2, ignored_exceptions=[StaleElementReferenceException]
    ).until(condition)


def field_value(driver, element_id):
    return driver.find_element(By.ID, element_id).get_attribute("value")


def set_field(driver, element_id, text):
    element = driver.find_element(By.ID, element_id)
    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(text, Keys.TAB)


def run_and_wait(driver):
    before = field_value(driver, "f-name")
    driver.find_element(By.ID, "b-run").click()
    try:
        wait(driver, lambda d: "Fertig" in d.find_element(By.ID, "progress-text").text, timeout=50)
    except TimeoutException:
        pytest.fail(
            f"run did not finish: {driver.find_element(By.ID, 'msg').text!r} "
            f"{driver.find_element(By.ID, 'progress-text').text!r}"
        )
    # the answer tab opens on the new run; the form offers the next version name
    wait(driver, lambda d: before in d.find_element(By.ID, "answer").text)
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#conclusion td"))
    return before


def switch_language(driver, title):
    """Click the language switch; wait for the page redrawn with ``title``."""
    driver.find_element(By.ID, "lang-switch").click()
    wait(driver, lambda d: title in d.find_element(By.TAG_NAME, "h2").text)


def ticked(driver, municipality):
    selector = f"#f-municipalities input[value='{municipality}']"
    return driver.find_element(By.CSS_SELECTOR, selector).is_selected()


def conclusion_rows(driver):
    rows = []
    for tr in driver.find_elements(By.CSS_SELECTOR, "#conclusion tr"):
        cells = [td.text for td in tr.find_elements(By.CSS_SELECTOR, "td")]
        if cells:
            rows.append(cells)
    return rows


def open_tab(driver, label):
    for tab in driver.find_elements(By.CSS_SELECTOR, ".tab"):
        if tab.text.strip() == label:
            tab.click()
            return
    raise AssertionError(f"no tab {label!r}")


def downloaded(driver, suffix, timeout=40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in driver.downloads.iterdir() if p.name.endswith(suffix)]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} downloaded: {list(driver.downloads.iterdir())}")


def test_workbench_what_if_end_to_end(browser, server, tmp_path):
    started = time.monotonic()

    def lap(what):
        print(f"{time.monotonic() - started:6.1f} s  {what}")

    driver = browser
    driver.get(server.url)
    wait(driver, lambda d: field_value(d, "f-zsa-staff") == "1.5")
    assert driver.find_element(By.ID, "f-name").get_attribute("value") == "mini-v1"

    lap("run 1")
    # run 1: the scenario as it is
    first = run_and_wait(driver)
    assert first == "mini-v1"

    lap("run 2")
    # run 2: more ZSA staff, and only Adorf joins the ZSA in the variant 'zentral'
    open_tab(driver, "Was wäre, wenn …")
    wait(driver, lambda d: d.find_element(By.ID, "f-zsa-staff").is_displayed())
    assert field_value(driver, "f-name") == "mini-v2"  # the next free version name
    set_field(driver, "f-zsa-staff", "2.5")
    driver.find_element(By.CSS_SELECTOR, "#f-municipalities input[value='Bdorf']").click()

    lap("language switch keeps the edits")
    switch_language(driver, "what-if workbench")
    time.sleep(0.5)  # long enough for a callback the redrawn buttons would trigger
    assert driver.find_element(By.ID, "msg").text == ""  # neither a check nor a run
    assert "Rechnen" not in driver.find_element(By.ID, "b-run").text
    assert field_value(driver, "f-zsa-staff") == "2.5"
    assert not ticked(driver, "Bdorf") and ticked(driver, "Adorf")
    assert "lang=en" in driver.current_url
    switch_language(driver, "Was-wäre-wenn")
    assert field_value(driver, "f-zsa-staff") == "2.5" and not ticked(driver, "Bdorf")
    assert field_value(driver, "f-name") == "mini-v2"
    driver.find_element(By.ID, "b-check").click()
    wait(driver, lambda d: "zsa.staff = 2.5" in d.find_element(By.ID, "msg").text)
    assert "variants.zentral.zsa.municipalities = [Adorf]" in driver.find_element(By.ID, "msg").text
    second = run_and_wait(driver)
    assert second == "mini-v2"

    lap("the conclusion")
    # the conclusion names every municipality (and the ZSA) for each treatment variant
    rows = conclusion_rows(driver)
    variants = {r[0] for r in rows}
    assert len(variants) == 2 and "Zentral (ZSA)" in variants  # zentral and hybrid
    for variant in variants:
        names = {r[1] for r in rows if r[0] == variant}
        assert {"Adorf", "Bdorf (Elbe)"} <= names, rows
    shown = {(r[0], r[1]): r[3:6] for r in rows}

    lap("compare with")
    # compare with the previous run
    open_tab(driver, "Frühere Läufe")
    boxes = driver.find_elements(By.CSS_SELECTOR, "#runs-pick input[type='checkbox']")
    assert len(boxes) == 2
    assert all(box.is_selected() for box in boxes)  # the new run and the one before
    driver.find_element(By.ID, "b-compare").click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#compare-table td"))
    header = driver.find_element(By.ID, "compare-table").text
    assert "mini-v1 ·" in header and "mini-v2 ·" in header
    # a language switch draws the comparison again, in the new language
    switch_language(driver, "what-if workbench")
    wait(driver, lambda d: "Municipality" in d.find_element(By.ID, "compare-table").text)
    switch_language(driver, "Was-wäre-wenn")
    wait(driver, lambda d: "Kommune" in d.find_element(By.ID, "compare-table").text)

    lap("export:")
    # export: the scenario version, the report and the workbook
    open_tab(driver, "Ergebnis")
    driver.find_element(By.ID, "x-yaml").click()
    exported = downloaded(driver, ".yaml")
    driver.find_element(By.ID, "x-excel").click()
    assert downloaded(driver, ".xlsx").stat().st_size > 0
    # a report can be cancelled while it is drawn (the pilot's takes tens of seconds)
    assert not driver.find_element(By.ID, "x-cancel").is_displayed()
    driver.find_element(By.ID, "x-html").click()
    wait(driver, lambda d: d.find_element(By.ID, "x-cancel").is_displayed())
    driver.find_element(By.ID, "x-cancel").click()
    wait(driver, lambda d: "abgebrochen" in d.find_element(By.ID, "x-msg").text)
    assert not driver.find_element(By.ID, "x-cancel").is_displayed()
    driver.find_element(By.ID, "x-html").click()
    assert "<html" in downloaded(driver, ".html", timeout=60).read_text(encoding="utf-8")[:500]
    # the event log: the run wrote none, the export simulates it in a worker process
    driver.find_element(By.ID, "x-eventlog").click()
    log = downloaded(driver, ".csv.gz", timeout=60)
    with gzip.open(log, "rt", encoding="utf-8") as lines:
        assert lines.readline().startswith("case_id,")
    wait(driver, lambda d: "eventlog.csv.gz" in d.find_element(By.ID, "x-msg").text)
    assert not driver.find_element(By.ID, "x-busy").is_displayed()
    assert not driver.find_element(By.ID, "x-cancel").is_displayed()

    lap("nothing left")
    # nothing left the machine: every resource came from the workbench itself
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(server.url))
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources and all(r.startswith(origin) for r in resources), resources

    lap("the exported YAML")
    # the exported YAML reproduces the shown numbers with zsa-sim run's library function
    copy = tmp_path / "again" / exported.name
    copy.parent.mkdir()
    shutil.copyfile(exported, copy)
    outcome = run_experiment(
        copy, RunOptions(out_root=tmp_path / "again", jobs=1, report=False, xes="none")
    )
    again = {
        (r["variant"], r["municipality"]): [r["lead_time_mean"], r["waiting_time_p90"], r["cost"]]
        for r in answer_rows(outcome.run_dir, "de")
    }
    assert again == {k: list(v) for k, v in shown.items()}

    lap("English")
    # English on request, and the language chosen is kept for the next visit
    driver.get(server.url + "?lang=en")
    wait(driver, lambda d: "what-if workbench" in d.find_element(By.TAG_NAME, "h2").text)
    switch_language(driver, "Was-wäre-wenn")
    driver.get(server.url)
    wait(driver, lambda d: "Was-wäre-wenn" in d.find_element(By.TAG_NAME, "h2").text)
    switch_language(driver, "what-if workbench")
    driver.get(server.url)
    wait(driver, lambda d: "what-if workbench" in d.find_element(By.TAG_NAME, "h2").text)


def test_a_staff_ramp_is_shown_and_edited_not_flattened(browser, tmp_path):
    ramp = Path(__file__).parent / "data" / "scenarios" / "ramp_mini.yaml"
    running = start_server(ramp, port=0, out_root=tmp_path / "results", background=True)
    try:
        driver = browser
        driver.get(running.url)
        steps = "2026-01-01: 0.5; 2026-02-01: 1"
        wait(driver, lambda d: field_value(d, "f-zsa-staff") == steps)
        # a number in place of the ramp is refused with a hint, not taken as a constant
        set_field(driver, "f-zsa-staff", "8")
        driver.find_element(By.ID, "b-check").click()
        wait(driver, lambda d: "zsa.staff: is a staff ramp" in d.find_element(By.ID, "msg").text)
        # a factor scales every step; edited steps are read as written
        set_field(driver, "f-zsa-staff", "×2")
        driver.find_element(By.ID, "b-check").click()
        wanted = "zsa.staff = [2026-01-01: 1; 2026-02-01: 2]"
        wait(driver, lambda d: wanted in d.find_element(By.ID, "msg").text)
        set_field(driver, "f-zsa-staff", "2026-01-01: 0.5; 2026-03-01: 3")
        driver.find_element(By.ID, "b-check").click()
        wanted = "zsa.staff = [2026-01-01: 0.5; 2026-03-01: 3]"
        wait(driver, lambda d: wanted in d.find_element(By.ID, "msg").text)
    finally:
        running.stop()
