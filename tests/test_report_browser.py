"""The report in a real browser: headless Chromium loads report.html with every image.

The page is served over http://127.0.0.1 (as a reader's browser would open it from a
share) and Chromium prints the DOM after the load event; the page's inline script has
then written how many images it has and how many decoded. Needs the Debian package
``chromium`` (``apt-get install -y chromium``); skipped with that reason without it.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.report_fixture import cached_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="headless Chromium not installed (Debian: apt-get install -y chromium)",
    ),
]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _dump_dom(url: str, profile: Path) -> str:
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_report_loads_with_every_image_in_headless_chromium(tmp_path) -> None:
    built = cached_report("de")
    server, base = _serve(built.report.parent)
    try:
        dom = _dump_dom(f"{base}/{built.report.name}", tmp_path / "profile")
    finally:
        server.shutdown()
        server.server_close()
    body = re.search(r"<body([^>]*)>", dom)
    assert body, dom[:500]
    total = re.search(r'data-images-total="(\d+)"', body.group(1))
    loaded = re.search(r'data-images-loaded="(\d+)"', body.group(1))
    assert total and loaded, "the page's load script did not run"
    assert int(total.group(1)) == len(built.charts) > 0
    assert int(loaded.group(1)) == int(total.group(1))
    assert "Alle Daten sind synthetisch." in dom
    assert '<html lang="de">' in dom


def test_the_check_notices_a_broken_image(tmp_path) -> None:
    """The load check can fail: a page with one corrupt image reports one image fewer."""
    built = cached_report("de")
    page = built.report.read_text(encoding="utf-8")
    start = page.index("data:image/png;base64,") + len("data:image/png;base64,")
    broken = page[:start] + "AAAA" + page[start + 4 :]  # PNG signature destroyed
    site = tmp_path / "site"
    site.mkdir()
    (site / "report.html").write_text(broken, encoding="utf-8")
    server, base = _serve(site)
    try:
        dom = _dump_dom(f"{base}/report.html", tmp_path / "profile")
    finally:
        server.shutdown()
        server.server_close()
    total = int(re.search(r'data-images-total="(\d+)"', dom).group(1))
    loaded = int(re.search(r'data-images-loaded="(\d+)"', dom).group(1))
    assert (total, loaded) == (len(built.charts), len(built.charts) - 1)


SHOTS = Path(__file__).parents[1] / "docs" / "img"


def test_the_first_screen_holds_the_conclusion_for_every_municipality(tmp_path) -> None:
    """At 1400 x 900 every municipality's conclusion row is visible without scrolling."""
    webdriver = pytest.importorskip("selenium.webdriver")
    driver_path = shutil.which("chromedriver")
    if driver_path is None:
        pytest.skip("chromedriver not installed (Debian: apt-get install -y chromium-driver)")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    from tests.report_fixture import MUNICIPALITIES

    built = cached_report("de")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,900", f"--user-data-dir={tmp_path / 'profile'}"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.set_window_size(1400, 900)
        driver.get(built.report.as_uri())
        height = driver.execute_script("return window.innerHeight")
        rows = driver.find_elements(By.CSS_SELECTOR, "#conclusion table.conclusion tbody tr")
        names = [r.find_element(By.TAG_NAME, "th").text for r in rows]
        assert [m.name for m in MUNICIPALITIES] == names[: len(MUNICIPALITIES)]
        for row in rows:
            bottom = driver.execute_script(
                "return arguments[0].getBoundingClientRect().bottom", row
            )
            assert bottom <= height, (row.text, bottom, height)
            cells = row.find_elements(By.TAG_NAME, "td")
            assert len(cells) == 5 and all(c.text.strip() for c in cells)
        if os.environ.get("ZSA_SCREENSHOT"):  # refresh the README's picture on request
            SHOTS.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(SHOTS / "report_first_screen.png"))
    finally:
        driver.quit()
