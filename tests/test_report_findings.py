"""Chart titles that state the finding, from hand-made comparison rows."""

from __future__ import annotations

import math

from zsa_sim.experiment.comparison import Comparison
from zsa_sim.report.findings import comparison_finding


def row(
    municipality: str,
    difference: float,
    low: float,
    high: float,
    *,
    n: int = 10,
    kpi: str = "waiting_time_p90",
    unit: str = "days",
) -> Comparison:
    significant = low > 0 or high < 0
    assessment = "" if not significant else ("better" if difference < 0 else "worse")
    return Comparison(
        "hund",
        municipality,
        "",
        kpi,
        unit,
        "zentral",
        "dezentral",
        1.0,
        1.0,
        difference,
        low,
        high,
        n,
        low,
        high,
        math.nan,
        significant,
        assessment,
        "",
        "",
    )


def test_one_significant_change_names_municipality_and_size() -> None:
    rows = [row("Dessau-Roßlau", -6.12, -7.3, -4.8), row("Halle", 0.2, -0.5, 0.9)]
    assert comparison_finding("waiting_time_p90", rows, "de") == (
        "Zentral (ZSA): Wartezeit bis 1. Arbeitsschritt p90 in Dessau-Roßlau 6,1 Tage kürzer"
    )
    assert comparison_finding("waiting_time_p90", rows, "en") == (
        "Central (ZSA): wait until first step p90 6.1 days shorter in Dessau-Roßlau"
    )


def test_several_improvements_count_and_name_the_largest() -> None:
    rows = [row("A", -1.0, -1.5, -0.5), row("B", -3.0, -4.0, -2.0), row("C", 0.1, -0.2, 0.4)]
    assert comparison_finding("waiting_time_p90", rows, "de") == (
        "Zentral (ZSA): Wartezeit bis 1. Arbeitsschritt p90 in 2 von 3 Kommunen kürzer, "
        "am stärksten in B (3,0 Tage)"
    )


def test_mixed_changes_say_both_directions() -> None:
    rows = [row("A", -2.0, -2.5, -1.5), row("B", 1.0, 0.5, 1.5), row("C", 0.8, 0.2, 1.4)]
    assert comparison_finding("waiting_time_p90", rows, "de") == (
        "Zentral (ZSA): Wartezeit bis 1. Arbeitsschritt p90 in A 2,0 Tage kürzer, "
        "in 2 Kommunen länger"
    )
    rows.append(row("D", -1.0, -1.5, -0.5))
    assert comparison_finding("waiting_time_p90", rows, "en") == (
        "Central (ZSA): wait until first step p90 2.0 days shorter in A and in one more "
        "municipality, "
        "longer in 2 municipalities"
    )


def test_no_significant_change_and_no_data() -> None:
    rows = [row("A", -0.5, -1.2, 0.2)]
    assert comparison_finding("waiting_time_p90", rows, "de") == (
        "Zentral (ZSA): Wartezeit bis 1. Arbeitsschritt p90 ohne signifikante Änderung"
    )
    few = [row("A", -5.0, math.nan, math.nan, n=1)]
    assert comparison_finding("waiting_time_p90", few, "en") == (
        "wait until first step p90: nothing to compare"
    )


def test_higher_is_better_kpis_and_display_names() -> None:
    rows = [row("halle", 12.0, 5.0, 19.0, kpi="throughput", unit="cases")]
    text = comparison_finding("throughput", rows, "de", {"halle": "Halle (Saale)"}.get)
    assert text == "Zentral (ZSA): Durchsatz (Bescheide) in Halle (Saale) 12,0 Fälle höher"
