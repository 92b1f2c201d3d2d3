"""Calibration end to end on a hand-written export with a foreign layout, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from zsa_sim.calibrate.pipeline import calibrate_log
from zsa_sim.calibrate.table import CalibrationError
from zsa_sim.cli import main
from zsa_sim.scenario import load_scenario

FOREIGN = Path("tests/data/calibrate/fremd_export.csv")
BPMN = Path("tests/data/scenarios/mini.bpmn")
COLUMNS = "case=Vorgang,activity=Tätigkeit,start=Beginn,end=Ende,resource=Bearbeiter,org=Kommune"


def test_foreign_export_calibrates_through_columns(tmp_path: Path, capsys) -> None:
    out = tmp_path / "fremd.yaml"
    main(
        [
            "calibrate", str(FOREIGN), "--model", str(BPMN), "--service", "antrag",
            "--columns", COLUMNS, "--map", "Prüfung Vollständigkeit=Task_Pruefen",
            "--calendar", "tests/data/scenarios/mini.yaml#rathaus", "-o", str(out),
        ]
    )  # fmt: skip
    printed = capsys.readouterr().out
    assert "18 cases replayed" in printed
    assert "log activities without a BPMN element: Akte archivieren" in printed
    scenario = load_scenario(out)
    service = scenario.services["antrag"]
    # the hand-written log: Nachfordern always took 5 minutes, Abholung 2-4
    assert service.efforts["Task_Nachfordern"].kind == "fixed"
    assert service.efforts["Task_Nachfordern"].mean_minutes == 5
    assert service.branches["Gw_Versand"]["Flow_Abholung"] == pytest.approx(4 / 17, abs=1e-4)
    assert service.channels == pytest.approx({"Papier": 13 / 18, "online": 5 / 18}, abs=1e-4)
    assert set(scenario.municipalities) == {"Beispielhausen", "Musterstadt"}
    text = out.read_text(encoding="utf-8")
    assert "Gebühr (number, n=18, mean 37.25)" in text
    assert "n=7, all values equal (to the second)" in text


def test_unmapped_name_stops_replay_with_a_hint() -> None:
    # without the completeness check no case replays; the error says which names lack a map
    with pytest.raises(
        CalibrationError,
        match=r"18 of 18 cases .* 'Task_Bescheid' .* is not enabled after 'Task_Erfassen'.*"
        r"match no BPMN element: Prüfung Vollständigkeit, Akte archivieren",
    ):
        calibrate_log(FOREIGN, BPMN, columns={"case": "Vorgang", "activity": "Tätigkeit"})


def _tampered(tmp_path: Path) -> Path:
    lines = FOREIGN.read_text(encoding="utf-8").splitlines()
    # case 0100 decides before it is captured: the model cannot replay that
    bad = [
        line.replace("Antrag erfassen", "Bescheid versenden")
        if line.startswith("AZ-2026-0100;Antrag erfassen")
        else line
        for line in lines
    ]
    path = tmp_path / "tampered.csv"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    return path


def test_nonconforming_cases_stop_or_are_skipped(tmp_path: Path) -> None:
    path = _tampered(tmp_path)
    manual = {"Prüfung Vollständigkeit": "Task_Pruefen"}
    with pytest.raises(
        CalibrationError, match=r"1 of 18 cases \(5\.6%\) do not fit .*AZ-2026-0100"
    ):
        calibrate_log(path, BPMN, manual_map=manual, max_nonconforming=0.05)
    cal = calibrate_log(path, BPMN, manual_map=manual, max_nonconforming=0.1)
    assert [c for c, _ in cal.routing.misfits] == ["AZ-2026-0100"]
    assert len(cal.routing.fitting) == 17


def test_cli_error_is_one_line_exit_2(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["calibrate", str(FOREIGN), "--model", str(BPMN), "--columns", "case=Akte",
              "-o", str(tmp_path / "x.yaml")])  # fmt: skip
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no column 'Akte'" in err


@pytest.mark.slow
def test_shipped_models_calibrate_from_a_short_pilot_run(tmp_path: Path) -> None:
    """Both pilot models: parallel branches, a three-way race (documents, withdrawal,
    deadline), generators of their own. Two months of Wohngeld (~2,400 cases) give the
    request rounds and the reaction times back within ~3 standard errors (binomial
    sd <= 0.01 at n ~ 2,000 requests)."""
    from zsa_sim.experiment.runner import RunOptions, run_experiment

    pilot = load_scenario("scenarios/pilot.yaml").with_changes(
        {"period.days": 60, "period.cooldown_days": 30}
    )
    run = run_experiment(
        pilot,
        RunOptions(
            replications=1, jobs=1, out_root=tmp_path, report=False, variants=("dezentral",)
        ),
    ).run_dir
    for service in ("wohngeld", "hundehaltung"):
        out = tmp_path / f"{service}.yaml"
        main(
            [
                "calibrate", str(run / "eventlog.csv.gz"), "--model", f"processes/{service}.bpmn",
                "--service", service, "--calendar", "scenarios/pilot.yaml#rathaus", "-o", str(out),
            ]
        )  # fmt: skip
        load_scenario(out)
    wohngeld = load_scenario(tmp_path / "wohngeld.yaml").services["wohngeld"]
    truth = pilot.services["wohngeld"]
    assert wohngeld.applicants.missing_documents == pytest.approx(
        truth.applicants.missing_documents, abs=0.03
    )
    for event in ("Event_Unterlagen_eingegangen", "Event_Antrag_zurueckgenommen"):
        assert wohngeld.waits[event].never == pytest.approx(truth.waits[event].never, abs=0.03)
    documents = wohngeld.waits["Event_Unterlagen_eingegangen"].delay.mean_minutes / 1440
    assert documents == pytest.approx(10.0, rel=0.1)
