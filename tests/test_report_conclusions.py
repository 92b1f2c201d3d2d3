"""The first screen's conclusion texts (report/conclusions.py), on hand-made summary rows."""

from __future__ import annotations

from zsa_sim.report.conclusions import change_text, precision_warning


def _row(**values):
    return {"unit": "d", "significant": True, **values}


def test_a_change_without_interval_is_written_without_one() -> None:
    # One replication gives no interval: the summary holds None, and the report must
    # still say the change (it crashed with a TypeError before).
    text = change_text(_row(difference=-2.0, ci_low=None, ci_high=None), "en")
    assert "[" not in text
    assert "2" in text


def test_a_change_below_the_resolution_is_no_change() -> None:
    assert change_text(_row(difference=1e-15, ci_low=-1e-15, ci_high=3e-15), "de") == (
        "keine Änderung"
    )


def test_missing_difference_is_a_dash_and_missing_row_is_empty() -> None:
    assert change_text(_row(difference=None, ci_low=None, ci_high=None), "de") == "–"
    assert change_text(None, "de") == ""


def test_one_replication_warns_even_without_intervals() -> None:
    summary = {
        "scenario": {"replications": 1},
        "comparison": [
            {"kpi": "lead_time_mean", "service": "all", "pool": "", "ci_low": None,
             "ci_high": None},
        ],
    }
    warning = precision_warning(summary, "de")
    assert warning is not None and "1 Replikationen" in warning
