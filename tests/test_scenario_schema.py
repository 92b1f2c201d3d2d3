"""Schema errors: one test per class of mistake, each naming the key path."""

from __future__ import annotations

import typing
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from zsa_sim.errors import ScenarioError
from zsa_sim.scenario import load_scenario
from zsa_sim.scenario.schema import CalendarSpec, Period, Scenario

DATA = Path(__file__).parent / "data" / "scenarios"


def mini() -> dict[str, Any]:
    data = yaml.load((DATA / "mini.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    data["services"]["antrag"]["bpmn"] = str(DATA / "mini.bpmn")
    return data


def load(tmp_path: Path, data: dict[str, Any]):
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_scenario(path)


def test_mini_scenario_loads(tmp_path: Path) -> None:
    scenario = load(tmp_path, mini())
    assert scenario.name == "mini"
    assert scenario.services["antrag"].cases_per_1000 == 20
    assert scenario.source.endswith("scenario.yaml")


def test_unknown_key_names_the_path_and_the_allowed_keys(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["volum"] = 1.2
    with pytest.raises(
        ScenarioError,
        match=r"services\.antrag\.volum: unknown key \(allowed: bpmn, cases_per_1000, volume",
    ):
        load(tmp_path, data)


def test_unknown_top_level_key(tmp_path: Path) -> None:
    data = mini()
    data["replikationen"] = 3
    with pytest.raises(ScenarioError, match=r"scenario\.yaml: replikationen: unknown key"):
        load(tmp_path, data)


def test_missing_required_key(tmp_path: Path) -> None:
    data = mini()
    del data["seed"]
    with pytest.raises(ScenarioError, match=r"seed: required key missing"):
        load(tmp_path, data)


@pytest.mark.parametrize(
    ("path", "value", "pattern"),
    [
        (
            ("services", "antrag", "cases_per_1000"),
            0,
            r"services\.antrag\.cases_per_1000: Input should be greater than 0, got 0",
        ),
        (
            ("services", "antrag", "volume"),
            -1,
            r"services\.antrag\.volume: Input should be greater than 0",
        ),
        (
            ("municipalities", "Adorf", "staff", "clerk"),
            0,
            r"municipalities\.Adorf\.staff\.clerk: Input should be greater than 0",
        ),
        (
            ("municipalities", "Adorf", "population"),
            -5,
            r"municipalities\.Adorf\.population: Input should be greater than 0",
        ),
        (
            ("municipalities", "Adorf", "cost_per_hour"),
            0,
            r"municipalities\.Adorf\.cost_per_hour: Input should be greater than 0",
        ),
        (
            ("municipalities", "Adorf", "absence_rate"),
            1.0,
            r"municipalities\.Adorf\.absence_rate: Input should be less than 1",
        ),
        (("zsa", "staff"), 0, r"zsa\.staff: Input should be greater than 0"),
        (
            ("zsa", "staff"),
            {"front_office": -1},
            r"zsa\.staff\.front_office: Input should be greater than 0",
        ),
        (("zsa", "effort_factor"), 0, r"zsa\.effort_factor: Input should be greater than 0"),
        (
            ("services", "antrag", "cases_per_1000"),
            float("inf"),
            r"cases_per_1000: Input should be a finite number",
        ),
        (("period", "days"), 100_000, r"period\.days: Input should be less than or equal to 3660"),
    ],
)
def test_zero_or_negative_where_positive_is_required(
    tmp_path: Path, path: tuple[str, ...], value: Any, pattern: str
) -> None:
    data = mini()
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    with pytest.raises(ScenarioError, match=pattern):
        load(tmp_path, data)


def test_channel_shares_must_sum_to_one(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["channels"] = {"online": 0.3, "paper": 0.6}
    with pytest.raises(
        ScenarioError,
        match=r"services\.antrag\.channels: channel shares must sum to 1, they sum to 0\.9",
    ):
        load(tmp_path, data)


def test_seasonality_needs_twelve_factors(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["seasonality"] = [1] * 11
    with pytest.raises(
        ScenarioError, match=r"services\.antrag\.seasonality: seasonality needs 12 monthly factors"
    ):
        load(tmp_path, data)


def test_seasonality_is_normalised_to_mean_one(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["seasonality"] = [10] * 6 + [30] * 6
    scenario = load(tmp_path, data)
    assert scenario.services["antrag"].normalised_seasonality == (0.5,) * 6 + (1.5,) * 6


def test_distribution_needs_a_unit(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["efforts"]["Task_Erfassen"] = {"lognormal": {"mean": 10, "sd": 4}}
    with pytest.raises(
        ScenarioError, match=r"services\.antrag\.efforts\.Task_Erfassen: unit missing"
    ):
        load(tmp_path, data)


def test_unknown_distribution_kind(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["efforts"]["Task_Erfassen"] = {"weibull": [1, 2], "unit": "min"}
    with pytest.raises(
        ScenarioError, match=r"efforts\.Task_Erfassen: unknown distribution 'weibull'"
    ):
        load(tmp_path, data)


def test_bad_distribution_parameters(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["efforts"]["Task_Erfassen"] = {
        "triangular": [10, 5, 20],
        "unit": "min",
    }
    with pytest.raises(
        ScenarioError, match=r"efforts\.Task_Erfassen: triangular: need low <= mode <= high"
    ):
        load(tmp_path, data)


def test_effort_in_days_is_refused(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["efforts"]["Task_Erfassen"] = {"fixed": 1, "unit": "d"}
    with pytest.raises(
        ScenarioError, match=r"efforts\.Task_Erfassen: unit 'd' is not allowed for efforts"
    ):
        load(tmp_path, data)


def test_null_effort_says_fill_in_the_template(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["efforts"]["Task_Erfassen"] = None
    with pytest.raises(
        ScenarioError,
        match=r"services\.antrag\.efforts\.Task_Erfassen: effort missing \(fill in the template\)",
    ):
        load(tmp_path, data)


def test_probability_out_of_range(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["waits"]["Event_Unterlagen"]["never"] = 1.5
    with pytest.raises(
        ScenarioError,
        match=r"waits\.Event_Unterlagen\.never: Input should be less than or equal to 1",
    ):
        load(tmp_path, data)


def test_unknown_generator(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["applicants"]["generator"] = "kfz"
    with pytest.raises(
        ScenarioError,
        match=r"services\.antrag\.applicants: Input tag 'kfz' found using 'generator' does not "
        r"match",
    ):
        load(tmp_path, data)


def test_generator_parameter_error_names_the_parameter(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["applicants"]["missing_documents"] = [0.5, 0.6]
    with pytest.raises(
        ScenarioError,
        match=r"applicants\.missing_documents: probabilities must sum to 1, they sum to 1\.1",
    ):
        load(tmp_path, data)


def test_unknown_generator_parameter_lists_the_allowed(tmp_path: Path) -> None:
    data = mini()
    data["services"]["antrag"]["applicants"]["share"] = 0.5
    with pytest.raises(
        ScenarioError,
        match=r"applicants\.share: unknown key \(allowed: generator, missing_documents, flags\)",
    ):
        load(tmp_path, data)


def test_names_with_dots_are_refused(tmp_path: Path) -> None:
    data = mini()
    data["municipalities"]["A.dorf"] = data["municipalities"].pop("Adorf")
    with pytest.raises(ScenarioError, match=r"must be non-empty and contain neither '\.' nor '/'"):
        load(tmp_path, data)


def test_postcode_numbers_are_padded_and_checked(tmp_path: Path) -> None:
    data = mini()
    data["municipalities"]["Adorf"]["postcodes"] = [6108, "3926"]
    with pytest.raises(
        ScenarioError, match=r"municipalities\.Adorf\.postcodes\.1: String should match pattern"
    ):
        load(tmp_path, data)
    data["municipalities"]["Adorf"]["postcodes"] = [6108]
    assert load(tmp_path, data).municipalities["Adorf"].postcodes == ["06108"]


def test_office_hours_format(tmp_path: Path) -> None:
    data = mini()
    data["calendars"]["rathaus"]["hours"]["mon"] = ["7 bis 12"]
    with pytest.raises(
        ScenarioError,
        match=r"calendars\.rathaus\.hours\.mon\.0: office hours are written 'HH:MM-HH:MM'",
    ):
        load(tmp_path, data)


def test_unknown_state_for_holidays(tmp_path: Path) -> None:
    data = mini()
    data["calendars"]["rathaus"]["holidays"] = "XX"
    with pytest.raises(
        ScenarioError, match=r"calendars\.rathaus\.holidays: unknown German state 'XX'"
    ):
        load(tmp_path, data)


def test_saxony_anhalt_holidays_include_epiphany_and_reformation_day() -> None:
    spec = CalendarSpec(holidays="ST", hours={"mon": ["08:00-12:00"]})
    days = spec.closed_days(date(2026, 1, 1), date(2026, 12, 31))
    assert date(2026, 1, 6) in days
    assert date(2026, 10, 31) in days
    assert date(2026, 12, 25) in days
    assert len(days) == 11


def test_period_epoch_window_and_horizon() -> None:
    period = Period(start=date(2026, 1, 1), days=365, warmup_days=30, cooldown_days=10)
    assert period.epoch.isoformat() == "2025-12-02T00:00:00"
    assert period.window == (30 * 1440.0, 395 * 1440.0)
    assert period.horizon == 405 * 1440.0


def test_a_service_target_names_a_case_kpi_and_a_positive_maximum() -> None:
    from zsa_sim.scenario import load_scenario

    pilot = load_scenario(Path(__file__).parents[1] / "scenarios" / "pilot.yaml")
    target = pilot.services["hundehaltung"].target
    assert (target.kpi, target.max) == ("lead_time_workdays_p90", 15.0)
    with pytest.raises(ScenarioError, match=r"services\.wohngeld\.target\.kpi"):
        pilot.with_changes({"services.wohngeld.target": {"kpi": "lead_time_p99", "max": 3}})
    with pytest.raises(ScenarioError, match=r"services\.wohngeld\.target\.max"):
        pilot.with_changes({"services.wohngeld.target": {"kpi": "lead_time_p90", "max": -1}})


# -- issue 14: out-of-range values refused at load (they ended mid-run in an OverflowError)


@pytest.mark.parametrize(
    ("path", "value", "pattern"),
    [
        (("period", "start"), "0001-01-01", r"period\.start: start 0001-01-01 is outside 1900"),
        (("period", "start"), "9999-12-20", r"period\.start: start 9999-12-20 is outside"),
        (
            ("municipalities", "Adorf", "staff", "clerk"),
            1e308,
            r"municipalities\.Adorf\.staff\.clerk: FTE must be at most 100,000, got 1e\+308",
        ),
        (("zsa", "staff"), 1e308, r"zsa\.staff: FTE must be at most 100,000"),
        (("zsa", "effort_factor"), 1e308, r"zsa\.effort_factor: effort_factor must be at most 100"),
        (
            ("municipalities", "Bdorf", "cost_per_hour"),
            1e308,
            r"Bdorf\.cost_per_hour: cost_per_hour must be at most 10,000",
        ),
        (
            ("services", "antrag", "efforts", "Task_Erfassen"),
            {"fixed": 1e308, "unit": "min"},
            r"efforts\.Task_Erfassen: fixed: value 1e\+308 min is longer than 3660 days",
        ),
        (
            ("services", "antrag", "efforts", "Task_Erfassen"),
            {"lognormal": {"mean": 1e12, "sd": 1}, "unit": "h"},
            r"efforts\.Task_Erfassen: lognormal: mean 1e\+12 h is longer than 3660 days",
        ),
        (
            ("services", "antrag", "efforts", "Task_Erfassen"),
            {"empirical": ["5", "8"], "unit": "min"},
            r"efforts\.Task_Erfassen: empirical sample 1 must be a number, got '5'",
        ),
        (("replications",), True, r"replications: Input should be a valid integer, got True"),
        (("replications",), 2.0, r"replications: Input should be a valid integer"),
        (("replications",), 1001, r"replications: at most 1,000 replications per variant"),
        (("seed",), True, r"seed: Input should be a valid integer, got True"),
        (("seed",), 2**64, r"seed: Input should be less than or equal to"),
    ],
)
def test_out_of_range_values_are_refused_with_their_key_path(
    tmp_path: Path, path: tuple[str, ...], value: Any, pattern: str
) -> None:
    data = mini()
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    with pytest.raises(ScenarioError, match=pattern):
        load(tmp_path, data)


def test_the_limits_themselves_are_accepted(tmp_path: Path) -> None:
    data = mini()
    data["period"]["start"] = "2199-12-31"
    data["replications"] = 1000
    data["seed"] = 2**64 - 1
    data["services"]["antrag"]["efforts"]["Task_Erfassen"] = {"fixed": 3660 * 24, "unit": "h"}
    scenario = load(tmp_path, data)
    assert scenario.replications == 1000


def test_huge_seasonality_factors_are_relative_not_infinite(tmp_path: Path) -> None:
    """[1e308]*12 summed to infinity and gave no arrivals at all (issue 14)."""
    data = mini()
    data["services"]["antrag"]["seasonality"] = [1e308] * 12
    assert load(tmp_path, data).services["antrag"].normalised_seasonality == (1.0,) * 12
    data["services"]["antrag"]["seasonality"] = [1e308] * 6 + [5e307] * 6
    factors = load(tmp_path, data).services["antrag"].normalised_seasonality
    assert factors == pytest.approx((4 / 3,) * 6 + (2 / 3,) * 6, rel=1e-12)


def _models_under(annotation: object, seen: set[type]) -> None:
    """Every pydantic model a scenario's fields can hold, however nested in types."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for info in annotation.model_fields.values():
            _models_under(info.annotation, seen)
    for arg in typing.get_args(annotation):
        _models_under(arg, seen)


def test_no_list_key_defaults_to_a_builtin_parsed_by_tokenize() -> None:
    """A factory such as ``list`` makes pydantic parse its text signature with
    ``tokenize`` while the models are built (~3-4 ms of each `validate`, issue 19)."""
    models: set[type] = set()
    _models_under(Scenario, models)
    assert len(models) > 20
    factories = [
        (model.__name__, name, info.default_factory)
        for model in models
        for name, info in [*model.model_fields.items(), *model.__private_attributes__.items()]
        if info.default_factory is not None
    ]
    assert any(name == "closures" for _, name, _ in factories)
    slow = [
        (m, n) for m, n, f in factories if getattr(f, "__text_signature__", None) is not None
    ]
    assert slow == []
