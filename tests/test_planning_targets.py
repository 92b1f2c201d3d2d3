import math

import pytest

from zsa_sim.errors import ScenarioError
from zsa_sim.planning.targets import CASE_KPIS, Target, parse_target

WD = "working_days"


@pytest.mark.parametrize(
    ("text", "kpi", "operator", "value", "unit"),
    [
        ("p90 lead time <= 15 working days", "lead_time_workdays_p90", "<=", 15, "working_days"),
        ("p90 Durchlaufzeit <= 15 Arbeitstage", "lead_time_workdays_p90", "<=", 15, "working_days"),
        ("lead_time_workdays_p90<=15", "lead_time_workdays_p90", "<=", 15, "working_days"),
        (
            "Durchlaufzeit p90 in Arbeitstagen ≤ 15",
            "lead_time_workdays_p90",
            "<=",
            15,
            "working_days",
        ),
        ("p90 lead time <= 20 days", "lead_time_p90", "<=", 20, "days"),
        ("p95 lead time < 3 weeks", "lead_time_p95", "<", 21, "days"),
        ("mean waiting time < 36 hours", "waiting_time_mean", "<", 1.5, "days"),
        ("Median Wartezeit <= 2 Tage", "waiting_time_median", "<=", 2, "days"),
        ("p50 waiting time <= 2", "waiting_time_median", "<=", 2, "days"),
        ("mittlere Wartezeit ≤ 2,5 Tage", "waiting_time_mean", "<=", 2.5, "days"),
        ("throughput >= 100 cases", "throughput", ">=", 100, "cases"),
        ("decided_cases > 10", "decided_cases", ">", 10, "cases"),
    ],
)
def test_targets_in_english_german_and_as_kpi_ids(text, kpi, operator, value, unit):
    target = parse_target(text)
    assert (target.kpi, target.operator, target.unit) == (kpi, operator, unit)
    assert target.value == pytest.approx(value)
    assert target.text == text.strip()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p80 lead time <= 3", r"target 'p80 lead time <= 3': p80 is not computed"),
        ("p90 foo <= 3", r"target 'p90 foo <= 3': unknown KPI 'p90 foo'"),
        ("p90 waiting time <= 3 working days", r"only the lead time is counted in working days"),
        ("utilisation <= 0.85", r"'utilisation <= 0.85': utilisation is a KPI of staff pools"),
        ("p90 lead time <= 3 parsecs", r"unknown unit 'parsecs'"),
        ("lead time <= 3", r"'lead time <= 3': say which statistic"),
        ("p90 mean lead time <= 3", r"more than one statistic \(mean, p90\)"),
        ("p90 lead time", r"target 'p90 lead time': expected '<KPI> <= <number> \[unit\]'"),
        ("lead_time_p90 <= 3 working days", r"lead_time_p90 is measured in days, not working"),
        ("   ", r"target: empty"),
    ],
)
def test_bad_targets_are_one_line_errors_quoting_the_text(text, message):
    with pytest.raises(ScenarioError, match=message) as info:
        parse_target(text)
    assert "\n" not in str(info.value)


def test_upper_targets_need_the_bound_at_or_below_the_value():
    at_most = Target("lead_time_p90", "<=", 15.0, "days")
    below = Target("lead_time_p90", "<", 15.0, "days")
    assert at_most.met_by(15.0) and not below.met_by(15.0)
    assert at_most.shortfall(16.5) == pytest.approx(1.5)
    assert not at_most.met_by(math.nan)
    assert at_most.shortfall(math.nan) == math.inf


def test_lower_targets_need_the_bound_at_or_above_the_value():
    at_least = Target("throughput", ">=", 100.0, "cases")
    assert not at_least.upper
    assert at_least.met_by(100.0) and not at_least.met_by(99.9)
    assert at_least.shortfall(90.0) == pytest.approx(10.0)


def test_describe_in_both_languages():
    target = parse_target("p90 lead time <= 15 working days")
    assert target.describe("de") == "Durchlaufzeit (Arbeitstage) p90 ≤ 15 Arbeitstage"
    assert target.describe("en") == "lead time (working days) p90 ≤ 15 working days"
    assert parse_target("mean waiting time <= 2,5 days").describe("de").endswith("≤ 2,5 Tage")


def test_round_trip_through_plan_json():
    target = parse_target("p90 Wartezeit <= 3 Tage")
    assert Target.from_dict(target.to_dict()) == target
    with pytest.raises(ScenarioError, match="not a case KPI"):
        Target.from_dict({"kpi": "utilisation", "operator": "<=", "value": 1})


def test_case_kpis_exclude_pool_kpis():
    assert "lead_time_workdays_p90" in CASE_KPIS
    assert "utilisation" not in CASE_KPIS and "capacity_cost" not in CASE_KPIS


# -- backlog targets: open cases on a day (issue 17) ----------------------------------


@pytest.mark.parametrize(
    "text",
    ["open cases <= 500 by 2026-09-30", "offene Fälle <= 500 bis 30.09.2026",
     "open_cases <= 500 by 2026-09-30", "Rückstand <= 500 Fälle bis 30.09.2026"],
)  # fmt: skip
def test_dated_open_cases_targets(text) -> None:
    from datetime import date

    target = parse_target(text)
    assert (target.kpi, target.operator, target.value, target.unit, target.by) == (
        "open_cases", "<=", 500.0, "cases", date(2026, 9, 30)
    )  # fmt: skip
    assert target.describe("en") == "open cases on 2026-09-30 ≤ 500 cases"
    assert target.describe("de") == "offene Fälle am 30.09.2026 ≤ 500 Fälle"
    assert Target.from_dict(target.to_dict()) == target


def test_a_date_goes_with_open_cases_only() -> None:
    with pytest.raises(ScenarioError, match="a date"):
        parse_target("p90 lead time <= 15 days by 2026-09-30")
    with pytest.raises(ScenarioError, match="not a date"):
        parse_target("open cases <= 5 by 31.02.2026")


def test_dated_target_ends_the_period_on_its_day() -> None:
    from pathlib import Path

    from zsa_sim.scenario import load_scenario

    scenario = load_scenario(Path(__file__).parent / "data" / "scenarios" / "demand_mini.yaml")
    cut = parse_target("open cases <= 40 by 2026-02-28").period_for(scenario)
    assert (cut.period.days, cut.period.cooldown_days) == (59, 0)
    assert parse_target("open cases <= 40").period_for(scenario) is scenario
    with pytest.raises(ScenarioError, match=r"observed period 2026-01-01 \.\. 2026-04-30"):
        parse_target("open cases <= 40 by 2026-06-30").period_for(scenario)
