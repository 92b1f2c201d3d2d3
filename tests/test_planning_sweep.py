from pathlib import Path

import pytest

from zsa_sim.errors import ScenarioError
from zsa_sim.planning.sweep import grid_values, parse_vary, run_sweep, unaffected
from zsa_sim.scenario import load_scenario

SMALL = Path(__file__).parent / "data" / "scenarios" / "planning_small.yaml"


def test_grid_includes_the_end_and_does_not_drift():
    assert grid_values(1, 6, 0.5) == (1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6)
    # naive accumulation gives 1.4000000000000001 and may drop or add the end
    assert grid_values(0.8, 1.4, 0.2) == (0.8, 1.0, 1.2, 1.4)
    assert grid_values(0.1, 0.3, 0.1) == (0.1, 0.2, 0.3)
    assert grid_values(0, 1, 0.1)[-1] == 1.0 and len(grid_values(0, 1, 0.1)) == 11
    # an end off the grid is not included
    assert grid_values(1, 2, 0.3) == (1.0, 1.3, 1.6, 1.9)
    assert grid_values(2, 2, 0.5) == (2.0,)


@pytest.mark.parametrize(
    ("text", "key", "values"),
    [
        ("zsa.staff=1:6:0.5", "zsa.staff", (1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6)),
        ("services.wohngeld.volume=0.8:1.4:0.2", "services.wohngeld.volume", (0.8, 1, 1.2, 1.4)),
        ("zsa.staff = 2, 4,6", "zsa.staff", (2, 4, 6)),
        (
            "municipalities.Halle.staff.tax_clerk=0.5",
            "municipalities.Halle.staff.tax_clerk",
            (0.5,),
        ),
    ],
)
def test_parse_vary(text, key, values):
    vary = parse_vary(text)
    assert (vary.key, vary.values, vary.text) == (key, values, text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("zsa.staff", r"--vary 'zsa.staff': expected KEY=START:STOP:STEP"),
        ("zsa.staff=1:6", r"--vary 'zsa.staff=1:6': expected KEY=START:STOP:STEP"),
        ("zsa.staff=6:1:0.5", r"--vary 'zsa.staff=6:1:0.5': stop 1 lies below start 6"),
        ("zsa.staff=1:6:0", r"step must be positive, got 0"),
        ("zsa.staff=a,b", r"--vary 'zsa.staff=a,b': expected"),
        ("zsa.staff=1,2,1", r"a value is listed twice"),
        ("=1", r"--vary '=1': expected"),
        ("zsa.staff=0:1:0.00001", r"100001 values; at most 10000"),
    ],
)
def test_bad_vary_is_a_one_line_error_quoting_the_text(text, message):
    with pytest.raises(ScenarioError, match=message) as info:
        parse_vary(text)
    assert "\n" not in str(info.value)


def test_which_variants_a_key_cannot_change():
    scenario = load_scenario(SMALL)
    assert unaffected(scenario, "dezentral", ["zsa.staff"])
    assert not unaffected(scenario, "zentral", ["zsa.staff"])
    assert unaffected(scenario, "dezentral", ["variants.zentral.staff.Adorf.front_office"])
    assert not unaffected(scenario, "dezentral", ["zsa.staff", "services.antrag.volume"])


def test_sweep_table_has_one_row_per_point_variant_group_and_kpi():
    result = run_sweep(
        SMALL,
        [parse_vary("zsa.staff=1,2"), parse_vary("services.antrag.volume=0.8,1.2")],
        replications=2,
        jobs=2,
        kpis=["waiting_time_p90", "utilisation"],
    )
    assert result.points == ((1, 0.8), (1, 1.2), (2, 0.8), (2, 1.2))
    assert result.invariant == ()  # the volume changes every variant
    assert result.simulated_runs == 4 * 3 * 2
    # per point: 6 case groups (antrag/all x Adorf, Bdorf, all) of waiting_time_p90 in
    # each of 3 variants, plus utilisation of 4 municipal pools (dezentral) or 4 + ZSA
    assert len(result.rows) == 4 * (3 * 6 + 4 + 5 + 5)
    table = result.table()
    assert result.columns[:3] == ("point", "zsa.staff", "services.antrag.volume")
    assert set(table[0]) == set(result.columns)
    assert {r["kpi"] for r in table} == {"waiting_time_p90", "utilisation"}
    zsa = [r for r in table if r["municipality"] == "ZSA" and r["variant"] == "zentral"]
    assert [(r["zsa.staff"], r["services.antrag.volume"]) for r in zsa] == list(result.points)
    # more ZSA staff, less utilisation; more volume, more
    util = [r["mean"] for r in zsa]
    assert util[0] > util[2] and util[1] > util[0]
    assert all(r["n"] == 2 and r["ci_low"] <= r["mean"] <= r["ci_high"] for r in zsa)


def test_a_variant_the_keys_cannot_change_is_simulated_once():
    result = run_sweep(
        SMALL, [parse_vary("zsa.staff=1,2,3")], variants=["dezentral", "zentral"],
        replications=2, jobs=2, kpis=["waiting_time_p90"],
    )  # fmt: skip
    assert result.invariant == ("dezentral",)
    assert result.simulated_runs == 2 * (1 + 3)
    base = [
        [r.summary for r in result.rows if r.variant == "dezentral" and r.point == p]
        for p in range(3)
    ]
    assert base[0] == base[1] == base[2] and base[0]


def test_sweep_refuses_bad_input():
    grid = [parse_vary("zsa.staff=1,2")]
    with pytest.raises(ScenarioError, match=r"unknown variant 'nope'"):
        run_sweep(SMALL, grid, variants="nope")
    with pytest.raises(ScenarioError, match=r"--kpi: unknown KPI wait"):
        run_sweep(SMALL, grid, kpis=["wait"])
    with pytest.raises(ScenarioError, match=r"a key is swept twice"):
        run_sweep(SMALL, [*grid, *grid])
    with pytest.raises(ScenarioError, match=r"zsa.staff"):
        run_sweep(SMALL, [parse_vary("zsa.staff=0,1")])  # 0 FTE is no staff
    with pytest.raises(ScenarioError, match=r"zsa.stuff"):
        run_sweep(SMALL, [parse_vary("zsa.stuff=1,2")])
