"""The report page: names every municipality and KPI, numbers the reader's way, synthetic
note, self-contained."""

from __future__ import annotations

import dataclasses
import html
import re

import pytest

from tests.report_fixture import cached_report
from zsa_sim.report.html import SUMMARY_KPIS, flatten, render_html
from zsa_sim.report.i18n import kpi_label, role_label
from zsa_sim.report.loaders import load_results


class Page:
    """A report page's text and what it was made from."""

    def __init__(self, text: str, run_dir, charts) -> None:
        self.text, self.run_dir, self.charts = text, run_dir, charts


@pytest.fixture(scope="module")
def pages():
    built = cached_report("de")
    run_dir = built.report.parent
    # The English page is rendered from the German charts: the page's words are what is
    # tested here (the charts' English texts are tested with each chart module).
    english = render_html(load_results(run_dir), built.charts, "en")
    return {
        "de": Page(built.report.read_text(encoding="utf-8"), run_dir, built.charts),
        "en": Page(english, run_dir, built.charts),
    }


def _text(page: Page) -> str:
    return page.text


@pytest.mark.parametrize("lang", ["de", "en"])
def test_names_every_municipality_kpi_and_team(pages, lang: str) -> None:
    page = html.unescape(_text(pages[lang]))
    results = load_results(pages[lang].run_dir)
    for municipality in results.municipalities:
        assert results.name(municipality) in page
    for kpi in SUMMARY_KPIS:
        assert kpi_label(kpi, lang) in page
    for role in ("front_office", "tax_clerk", "housing_clerk", "housing_lead"):
        assert role_label(role, lang) in page
    for chart in pages[lang].charts:
        assert html.escape(chart.caption) in _text(pages[lang])


def test_german_page_is_german_with_german_numbers(pages) -> None:
    page = _text(pages["de"])
    assert page.startswith('<!DOCTYPE html>\n<html lang="de">')
    assert "Alle Daten sind synthetisch." in page
    assert re.search(r"\d,\d Tage \[\d+,\d; \d+,\d\]", page)  # 1,6 Tage [1,4; 1,8]
    assert not re.search(r"\d\.\d Tage", page)  # no English decimal point
    assert "Wartezeit p90 sinkt: -" in page  # a verdict line, signed
    assert "Ergebnis auf einen Blick" in page and "Annahmen" in page


def test_english_page_is_english_with_english_numbers(pages) -> None:
    page = _text(pages["en"])
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "All data are synthetic." in page
    assert re.search(r"\d\.\d days \[\d+\.\d, \d+\.\d\]", page)
    assert not re.search(r"\d,\d days", page)
    assert "Alle Daten sind synthetisch." not in page


@pytest.mark.parametrize("lang", ["de", "en"])
def test_page_is_self_contained(pages, lang: str) -> None:
    page = _text(pages[lang])
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert len(sources) == len(pages[lang].charts) > 0
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "data-images-loaded" in page  # the load check the browser test reads


def test_assumptions_list_the_scenario_parameters(pages) -> None:
    page = html.unescape(_text(pages["de"]))
    assert "calendars.rathaus.holidays" in page
    assert "municipalities.dessau.population" in page
    assert "74.000" in page  # Dessau-Roßlau's population, German thousands separator
    assert "zsa.effort_factor" in page and "0,8" in page


def test_flatten_localises_numbers_and_lists() -> None:
    rows = dict(flatten({"a": {"b": 1.5, "c": [1, 2]}, "d": True, "e": 250000, "f": []}, "de"))
    assert rows == {"a.b": "1,5", "a.c": "1; 2", "d": "ja", "e": "250.000", "f": "–"}
    rows = dict(flatten({"x": [{"y": 0.25}], "z": None}, "en"))
    assert rows == {"x[0].y": "0.25", "z": "–"}


def test_text_from_the_results_is_escaped(pages) -> None:
    results = load_results(pages["de"].run_dir)
    hostile = dataclasses.replace(
        results, display_names={"Dessau-Roßlau": "<script>alert(1)</script>"}
    )
    page = render_html(hostile, [], "de")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def _reader_text(page: str) -> str:
    """What a reader sees: no markup, images, scripts, styles or the raw parameter table."""
    text = re.sub(r"<details>.*?</details>", " ", page, flags=re.S)
    text = re.sub(r"<(script|style)>.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r'src="data:[^"]+"', " ", text)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def test_no_raw_ids_in_the_german_page(pages) -> None:
    # issue 16: service keys ("wohngeld:", "all:"), pool ids ("Halle/housing_lead",
    # "ZSA/team") and task ids must not reach the reader
    text = _reader_text(_text(pages["de"]))
    assert not re.search(r"\b(hundehaltung|wohngeld|all)\b", text)
    assert not re.search(r"\b\w+/\w*_\w+\b", text)  # org_unit/role
    assert not re.search(r"\b(Task|Event|Gateway)_\w+", text)
    assert not re.search(r"\b(front_office|tax_clerk|housing_clerk|housing_lead)\b", text)


def test_the_first_screen_comes_first_and_says_what_it_measures(pages) -> None:
    page = _text(pages["de"])
    conclusion = page.index('<section id="conclusion">')
    assert conclusion < page.index('<dl class="meta">') < page.index('<section id="verdicts">')
    section = html.unescape(page[conclusion : page.index("</section>", conclusion)])
    results = load_results(pages["de"].run_dir)
    for municipality in results.municipalities:
        assert f'<th scope="row">{results.name(municipality)}</th>' in section
    for words in (
        "Durchlaufzeit bis Bescheid",
        "Wartezeit bis zum ersten Arbeitsschritt",
        "Personalkosten (bezahlte Kapazität)",
        "Größe der ZSA: besetzt",
        "obere einseitige 95-%-Konfidenzgrenze",
        "Achtung: nur 3 Replikationen",
    ):
        assert words in section, words


def test_period_in_german_dates_with_warm_up_before_and_cool_down(pages) -> None:
    text = _reader_text(_text(pages["de"]))
    period = load_results(pages["de"].run_dir).summary["scenario"]["period"]
    assert "ausgewertet 01.01.2026 bis 31.12.2026 (365 Tage); davor 28 Tage Einschwingphase" in (
        text
    ), period
    assert f"danach {period.get('cooldown_days', 0)} Tage Nachlauf" in text
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b(?!T)", text)  # no ISO dates


def test_the_decision_task_column_names_the_task(pages) -> None:
    text = _reader_text(_text(pages["de"]))
    assert "Hundesteuerbescheid erlassen" in text and "Wohngeldbescheid erlassen" in text


def test_process_maps_are_full_size_with_a_link_to_the_full_image(pages) -> None:
    page = _text(pages["de"])
    maps = [c for c in pages["de"].charts if c.name.startswith("process_map_")]
    assert maps
    for chart in maps:
        start = page.index(f'<figure id="chart-{chart.name}">')
        figure = page[start : page.index("</figure>", start)]
        assert '<div class="wide"><img' in figure
        for ext in ("svg", "png"):
            link = f"charts/{chart.name}.{ext}"
            assert f'href="{link}"' in figure
            assert (pages["de"].run_dir / link).is_file()
