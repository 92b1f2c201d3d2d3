"""Counts calibration: recover a known volume and effort scale from a simulated series."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from zsa_sim.calibrate.counts import (
    CountsFit,
    Observed,
    _changes,
    calibrate_counts,
    counts_from_cases,
    read_counts,
    staff_changes,
    write_fit,
)
from zsa_sim.calibrate.table import CalibrationError
from zsa_sim.experiment.replication import ReplicationTask, run_replication
from zsa_sim.scenario import load_scenario

BASE = Path("tests/data/calibrate/counts_base.yaml")
MONTHS = [(2026, m) for m in range(1, 7)]


def test_read_counts_german_layout(tmp_path: Path) -> None:
    path = tmp_path / "monat.csv"
    path.write_text(
        "Monat;Kommune;Anträge;Bescheide;Offen;VZÄ\n01.2026;A;10;8;4;2,5\n01.2026;B;5;5;1,0;1\n"
        "2026-02;A;7;;3;2,5\n",
        encoding="utf-8",
    )
    observed = read_counts(path)
    assert observed.series["applications"] == {(2026, 1): 15, (2026, 2): 7}
    assert observed.series["decisions"] == {(2026, 1): 13}
    assert observed.series["open_end"] == {(2026, 1): 5, (2026, 2): 3}
    assert observed.staff == {(2026, 1): 3.5, (2026, 2): 2.5}


def test_staff_from_counts_scales_the_municipalities(tmp_path: Path) -> None:
    base = load_scenario(BASE)  # Adorf: front_office 1, clerk 2 (3 FTE)
    observed = Observed({"applications": {(2026, 1): 100.0}}, {(2026, 1): 4.5, (2026, 2): 4.5})
    changes, factor = staff_changes(base, "antrag", observed)
    assert factor == pytest.approx(1.5)
    assert changes == {"municipalities.Adorf.staff": {"front_office": 1.5, "clerk": 3.0}}
    fit = CountsFit(
        "antrag", changes, factor, 1.1, 0.01, 1.2, 0.05, "open_end", [(2026, 1)], observed,
        {s: np.ones((2, 1)) for s in ("applications", "decisions", "open_end")},
    )  # fmt: skip
    yaml_path, _ = write_fit(fit, BASE, tmp_path)
    written = load_scenario(yaml_path)
    assert written.municipalities["Adorf"].staff == {"front_office": 1.5, "clerk": 3.0}
    assert written.services["antrag"].volume == pytest.approx(1.1)
    assert written.services["antrag"].effort_multipliers["Task_Pruefen"] == "1.2"


def test_read_counts_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("month,applications\nJanuar,3\n", encoding="utf-8")
    with pytest.raises(CalibrationError, match=r"line 2: month 'Januar' is not YYYY-MM"):
        read_counts(path)
    path.write_text("month,whatever\n2026-01,3\n", encoding="utf-8")
    with pytest.raises(CalibrationError, match="none of the columns applications"):
        read_counts(path)


@pytest.mark.slow
def test_recovers_known_volume_and_effort_scale(tmp_path: Path) -> None:
    """Truth: volume x0.9, every effort x1.2; observed = one run with another seed."""
    base = load_scenario(BASE)
    truth = base.with_changes({**_changes(base, "antrag", 0.9, 1.2), "seed": 99})
    cases = run_replication(ReplicationTask(truth, "dezentral", 0)).cases
    series = counts_from_cases(cases, truth.period.epoch.date(), MONTHS)
    counts = tmp_path / "monthly.csv"
    with counts.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Monat", "Anträge", "Bescheide", "Offen"])
        for year, month in MONTHS:
            writer.writerow(
                [f"{year}-{month:02d}"]
                + [series[s][(year, month)] for s in ("applications", "decisions", "open_end")]
            )
    lines = calibrate_counts(counts, BASE, tmp_path / "fit", replications=3)
    written = load_scenario(tmp_path / "fit" / "calibrated.yaml").services["antrag"]
    volume = written.volume
    scale = float(written.effort_multipliers["Task_Erfassen"])
    text = lines[0]
    volume_tol = float(text.split("+/- ")[1].split(",")[0])
    scale_tol = float(text.split("+/- ")[2].split(" ")[0])
    assert abs(volume - 0.9) <= volume_tol, lines
    assert abs(scale - 1.2) <= scale_tol, lines
    # the tolerances are informative, not a blanket
    assert volume_tol < 0.08 and scale_tol < 0.25, lines
    rows = list(csv.DictReader((tmp_path / "fit" / "counts_fit.csv").open(encoding="utf-8")))
    assert len(rows) == 3 * len(MONTHS)
    assert {r["series"] for r in rows} == {"applications", "decisions", "open_end"}
