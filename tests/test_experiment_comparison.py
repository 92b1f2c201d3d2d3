"""Paired comparison of two variants and the summary over replications."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zsa_sim.errors import ResultsError
from zsa_sim.experiment.comparison import aggregate, compare_variants, resolution, verdict
from zsa_sim.experiment.kpis import KPI_INFO, KpiValue
from zsa_sim.experiment.stats import Estimate

T_975_3 = 3.182446305284263


def rows(variant: str, kpi: str, values, unit="days", municipality="Halle", pool=""):
    return [
        KpiValue(variant, rep, "hund", municipality, pool, kpi, unit, float(v))
        for rep, v in enumerate(values)
    ]


def waiting_rows():
    # differences zentral - dezentral: -6.0, -5.8, -6.4, -6.2 -> mean -6.1
    return [
        *rows("dezentral", "waiting_time_p90", [10.0, 12.0, 14.0, 16.0]),
        *rows("zentral", "waiting_time_p90", [4.0, 6.2, 7.6, 9.8]),
    ]


def test_paired_difference_and_verdict_by_hand() -> None:
    (c,) = compare_variants(waiting_rows())
    # deviations from -6.1: 0.1, 0.3, -0.3, -0.1 -> sum of squares 0.2, sd sqrt(0.2 / 3)
    half = T_975_3 * math.sqrt(0.2 / 3) / 2  # = 0.4109
    assert (c.service, c.municipality, c.pool, c.kpi) == ("hund", "Halle", "", "waiting_time_p90")
    assert (c.treatment, c.baseline) == ("zentral", "dezentral")
    assert c.difference == pytest.approx(-6.1)
    assert (c.ci_low, c.ci_high) == pytest.approx((-6.1 - half, -6.1 + half))
    assert c.n == 4
    assert c.treatment_mean == pytest.approx(6.9)
    assert c.baseline_mean == pytest.approx(13.0)
    assert c.relative_change == pytest.approx(-6.1 / 13.0)
    assert c.significant is True
    assert c.assessment == "better"
    assert c.verdict_de == "Wartezeit p90 sinkt: -6,1 Tage [-6,5; -5,7]"
    assert c.verdict_en == "waiting time p90 down: -6.1 days [-6.5, -5.7]"


def test_unpaired_interval_is_wider_than_the_paired_one() -> None:
    (c,) = compare_variants(waiting_rows())
    # the replications differ a lot (10..16) but both variants move together
    assert c.unpaired_ci_high - c.unpaired_ci_low > 5 * (c.ci_high - c.ci_low)


def test_no_significant_change_when_the_interval_contains_zero() -> None:
    data = [
        *rows("dezentral", "lead_time_mean", [10.0, 12.0, 14.0]),
        *rows("zentral", "lead_time_mean", [11.0, 11.0, 14.3]),
    ]
    (c,) = compare_variants(data)
    assert c.significant is False
    assert c.assessment == ""
    assert c.verdict_de.startswith(
        "Durchlaufzeit Mittelwert: keine signifikante Änderung (+0,1 Tage ["
    )
    assert c.verdict_en.startswith("lead time mean: no significant change (+0.1 days [")


def test_utilisation_change_in_percentage_points_and_worse_direction() -> None:
    data = [
        *rows("dezentral", "utilisation", [0.60, 0.62, 0.64], "share", "ZSA", "front_office"),
        *rows("zentral", "utilisation", [0.80, 0.83, 0.83], "share", "ZSA", "front_office"),
        *rows("dezentral", "backlog_hours", [1.0, 1.0, 1.0], "hours"),
        *rows("zentral", "backlog_hours", [3.0, 3.0, 3.0], "hours"),
    ]
    util, backlog = sorted(compare_variants(data), key=lambda c: c.kpi, reverse=True)
    assert util.verdict_en.startswith("utilisation up: +20.0 percentage points [")
    assert util.verdict_de.startswith("Auslastung steigt: +20,0 Prozentpunkte [")
    assert util.assessment == ""  # utilisation has no good direction
    assert backlog.verdict_en == "backlog at end up: +2.0 hours [2.0, 2.0]"
    assert backlog.assessment == "worse"


def test_too_few_replications_say_so() -> None:
    data = [*rows("dezentral", "throughput", [5.0]), *rows("zentral", "throughput", [7.0])]
    (c,) = compare_variants(data)
    assert c.n == 1
    assert math.isnan(c.ci_low)
    assert c.significant is False
    assert (
        c.verdict_de == "Durchsatz (Bescheide): zu wenige Replikationen für ein Konfidenzintervall"
    )


def test_replications_are_matched_by_number() -> None:
    base = rows("dezentral", "throughput", [5.0, 6.0, 7.0])
    treat = rows("zentral", "throughput", [8.0, 9.0, 9.5])
    # replication 2 of the treatment is missing; the others arrive in a shuffled order
    (c,) = compare_variants([treat[1], *base, treat[0]])
    assert c.n == 2
    assert c.difference == pytest.approx(3.0)


def test_kpis_of_only_one_variant_are_not_compared() -> None:
    data = [
        *waiting_rows(),
        *rows("zentral", "utilisation", [0.5, 0.6], "share", "ZSA", "front_office"),
    ]
    assert [c.kpi for c in compare_variants(data)] == ["waiting_time_p90"]


def test_missing_variant_is_a_results_error() -> None:
    with pytest.raises(ResultsError, match=r"variant 'zentral' has no KPI rows \(variants: dez"):
        compare_variants(rows("dezentral", "throughput", [1.0, 2.0]))
    with pytest.raises(ResultsError, match="variants: none"):
        compare_variants([], treatment="a", baseline="b")


def test_verdict_for_an_unknown_kpi_uses_its_id() -> None:
    est = Estimate(2.0, 1.0, 3.0, 5, 1.0)
    assert verdict("custom_kpi", est, "en", "hours") == "custom_kpi up: +2.0 hours [1.0, 3.0]"


def test_a_difference_below_the_resolution_is_no_change() -> None:
    # issue 16: identical runs differ by floating-point noise (-8.9e-16 days); the
    # interval [-8.9e-16, -8.9e-16] excludes 0, yet that is no finding
    base = [10.0, 12.0, 14.0]
    data = [
        *rows("dezentral", "applicant_time_mean", base),
        *rows("zentral", "applicant_time_mean", [v - 1e-15 for v in base]),
    ]
    (c,) = compare_variants(data)
    assert c.ci_high < 0  # the raw interval does exclude zero
    assert c.significant is False
    assert c.assessment == ""
    assert c.verdict_de == "Zeit beim Antragsteller Mittelwert: keine Änderung"
    assert c.verdict_en == "time with applicant mean: no change"
    # just above the resolution (0.05 days) a clear change is significant again
    shifted = [*rows("dezentral", "lead_time_mean", base),
               *rows("zentral", "lead_time_mean", [v - 0.06 for v in base])]  # fmt: skip
    assert compare_variants(shifted)[0].significant is True
    assert resolution("days") == 0.05
    assert resolution("share") == pytest.approx(0.0005)
    assert resolution("EUR") == 0.5


def test_aggregate_gives_mean_and_interval_per_variant() -> None:
    data = [
        *rows("dezentral", "waiting_time_p90", [1.0, 2.0, 3.0, 4.0]),
        *rows("zentral", "waiting_time_p90", [2.0, np.nan]),
    ]
    base, treat = aggregate(data)
    assert (base.variant, base.service, base.municipality, base.pool, base.kpi, base.unit) == (
        "dezentral",
        "hund",
        "Halle",
        "",
        "waiting_time_p90",
        "days",
    )
    half = T_975_3 * math.sqrt(5 / 3) / 2
    assert (base.mean, base.n) == (2.5, 4)
    assert (base.ci_low, base.ci_high) == pytest.approx((2.5 - half, 2.5 + half))
    assert (treat.mean, treat.n) == (2.0, 1)
    assert math.isnan(treat.ci_low)


def test_the_readme_example_lines_are_what_verdict_prints() -> None:
    # issue 16: the README showed "sinkt um 2,3 Tage [1,9; 2,7]", a format the tool no
    # longer printed; each example line is rebuilt here from its own numbers
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What a run does", 1)[1].split("\n## ", 1)[0]
    blocks = section.split("```")[1::2]
    lines = [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if ": " in line and ("Tage" in line or "Änderung" in line)
    ]
    assert lines, "no example verdict line in the README"
    labels = {info.label_de: kpi for kpi, info in KPI_INFO.items()}
    for line in lines:
        _, label, _how = re.match(r"(\w+, )?([^:]+?)(:| sinkt| steigt)", line).groups()
        numbers = [float(x.replace(",", ".")) for x in re.findall(r"-?\d+,\d", line)]
        mean, low, high = numbers or [0.0, 0.0, 0.0]
        est = Estimate(mean, low, high, 3, 1.0)
        assert line.endswith(verdict(labels[label], est, "de")), line
