"""CaseTable: hand-made event-log rows reduce to hand-computed case records and loads."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zsa_sim.bpmn.model import (
    BoundaryEvent,
    Definitions,
    EndEvent,
    Process,
    SequenceFlow,
    StartEvent,
    SubProcess,
    Task,
)
from zsa_sim.engine.setup import ServiceSetup
from zsa_sim.eventlog.schema import ActivityRecord
from zsa_sim.experiment.cases import (
    CaseColumns,
    CaseTable,
    records_to_arrays,
    side_end_events,
)

NAN = math.nan
DAY = 1440.0


def row(
    case_id: str,
    activity_id: str,
    activity_type: str,
    enabled: float,
    start: float,
    complete: float,
    *,
    effort: float = 0.0,
    resource: str = "",
    org_unit: str = "",
    role: str = "",
    service: str = "hund",
    municipality: str = "Halle",
    variant: str = "dezentral",
    replication: int = 0,
) -> ActivityRecord:
    return ActivityRecord(
        case_id=case_id,
        service=service,
        municipality=municipality,
        variant=variant,
        replication=replication,
        activity_id=activity_id,
        activity_name=activity_id,
        activity_type=activity_type,
        lane="",
        role=role,
        org_unit=org_unit,
        resource=resource,
        enabled=enabled,
        start=start,
        complete=complete,
        effort=effort,
        attributes=(),
    )


def feed(table: CaseTable, rows: list[ActivityRecord]) -> CaseTable:
    for r in rows:
        table.record(r)
    return table


def one_case() -> list[ActivityRecord]:
    """Arrives at day 0 noon; scanned day 1; waits 2 days for documents; decided day 4."""
    front = {"org_unit": "Halle", "role": "front_office", "resource": "Halle/front_office#1"}
    clerk = {"org_unit": "Halle", "role": "tax_clerk", "resource": "Halle/tax_clerk#2"}
    return [
        row("c1", "Start", "startEvent", 720, 720, 720),
        row("c1", "Task_Erfassen", "userTask", 720, 1440 + 480, 1440 + 540, effort=60, **front),
        row("c1", "Event_Unterlagen", "intermediateCatchEvent", 1440 + 540, NAN, 4 * DAY - 360),
        row(
            "c1",
            "Task_Bescheid",
            "userTask",
            4 * DAY - 360,
            4 * DAY + 600,
            4 * DAY + 720,
            effort=120,
            **clerk,
        ),
        row("c1", "End_Angemeldet", "endEvent", 4 * DAY + 720, 4 * DAY + 720, 4 * DAY + 720),
    ]


def test_one_case_reduces_to_hand_computed_record() -> None:
    table = feed(CaseTable({"hund": "Task_Bescheid"}), one_case())
    (rec,) = table.records()
    assert rec.case_id == "c1"
    assert (rec.service, rec.municipality, rec.variant, rec.replication) == (
        "hund",
        "Halle",
        "dezentral",
        0,
    )
    assert rec.arrival == 720
    assert rec.first_start == 1440 + 480
    assert rec.decision == 4 * DAY + 720
    assert rec.end == 4 * DAY + 720
    assert rec.applicant_time == (4 * DAY - 360) - (1440 + 540)
    assert rec.effort_minutes == 180
    assert rec.outcome == "End_Angemeldet"
    assert rec.is_open is False
    assert rec.waiting == 1440 + 480 - 720
    assert rec.lead_time == 4 * DAY


def test_interleaved_runs_are_kept_apart() -> None:
    rows = one_case()
    other = [r._replace(variant="zentral") for r in rows]
    second = [r._replace(replication=1, case_id="c1") for r in rows]
    interleaved = [r for triple in zip(rows, other, second, strict=True) for r in triple]
    table = feed(CaseTable({"hund": "Task_Bescheid"}), interleaved)
    assert table.runs() == [("dezentral", 0), ("dezentral", 1), ("zentral", 0)]
    assert len(table.records()) == 3
    assert len(table.records(variant="dezentral")) == 2
    assert [r.replication for r in table.records(replication=1)] == [1]
    assert {r.lead_time for r in table.records()} == {4 * DAY}


def test_decision_passed_twice_counts_the_last_completion() -> None:
    rows = [
        *one_case()[:4],
        row(
            "c1",
            "Task_Bescheid",
            "userTask",
            5 * DAY,
            5 * DAY + 500,
            5 * DAY + 600,
            effort=100,
            resource="x",
            org_unit="Halle",
            role="tax_clerk",
        ),
        row("c1", "End_Angemeldet", "endEvent", 5 * DAY + 600, 5 * DAY + 600, 5 * DAY + 600),
    ]
    (rec,) = feed(CaseTable({"hund": "Task_Bescheid"}), rows).records()
    assert rec.decision == 5 * DAY + 600
    assert rec.effort_minutes == 280


def test_open_rows_keep_the_case_open() -> None:
    rows = [
        *one_case()[:3],
        row(
            "c1",
            "Task_Bescheid",
            "userTask",
            4 * DAY - 360,
            NAN,
            NAN,
            effort=120,
            org_unit="Halle",
            role="tax_clerk",
        ),
    ]
    (rec,) = feed(CaseTable({"hund": "Task_Bescheid"}), rows).records()
    assert rec.is_open is True
    assert math.isnan(rec.end)
    assert math.isnan(rec.decision)
    assert rec.outcome == ""
    assert rec.effort_minutes == 60  # queued work is backlog, not effort spent


def test_case_without_end_event_is_open_and_waiting_for_staff() -> None:
    rows = [row("c9", "Start", "startEvent", 100, 100, 100)]
    (rec,) = feed(CaseTable({}), rows).records()
    assert rec.is_open is True
    assert math.isnan(rec.first_start)
    assert math.isnan(rec.decision)


def test_arrival_falls_back_to_earliest_enabled_without_start_event() -> None:
    rows = [row("c9", "Task", "userTask", 300, NAN, NAN, effort=5, org_unit="A", role="r")]
    (rec,) = feed(CaseTable({}), rows).records()
    assert rec.arrival == 300


def test_subprocess_start_and_side_end_events_do_not_move_arrival_or_end() -> None:
    rows = [
        row("w1", "Start_Antrag", "startEvent", 0, 0, 0, service="wohngeld"),
        row("w1", "Sub_Start", "startEvent", 500, 500, 500, service="wohngeld"),
        row("w1", "Sub_Ende", "endEvent", 900, 900, 900, service="wohngeld"),
        row("w1", "End_Zwischennachricht", "endEvent", 950, 950, 950, service="wohngeld"),
    ]
    table = CaseTable(
        {"wohngeld": "Task_Bescheid"},
        side_end_events={"wohngeld": {"Sub_Ende", "End_Zwischennachricht"}},
    )
    (rec,) = feed(table, rows).records()
    assert rec.arrival == 0
    assert rec.is_open is True  # only side ends so far
    assert rec.outcome == ""
    feed(table, [row("w1", "End_Beschieden", "endEvent", 800, 800, 800, service="wohngeld")])
    (rec,) = table.records()
    assert rec.is_open is False
    assert rec.outcome == "End_Beschieden"
    assert rec.end == 950  # the case ends with its last row, the interim notice


def test_applicant_time_counts_racing_catch_events_once() -> None:
    rows = [
        row("c1", "Start", "startEvent", 0, 0, 0),
        # documents arrive after 3 days; the racing deadline row ends at the same moment
        row("c1", "Event_Unterlagen", "intermediateCatchEvent", 100, NAN, 100 + 3 * DAY),
        row("c1", "Event_Frist", "intermediateCatchEvent", 100, NAN, 100 + 3 * DAY),
        # a second, separate round of 1 day
        row("c1", "Event_Unterlagen", "intermediateCatchEvent", 5 * DAY, NAN, 6 * DAY),
        row("c1", "Boundary_30D", "boundaryEvent", 0, NAN, 30 * DAY),
        row("c1", "End", "endEvent", 40 * DAY, 40 * DAY, 40 * DAY),
    ]
    (rec,) = feed(CaseTable({}), rows).records()
    assert rec.applicant_time == 4 * DAY


def test_pool_loads_by_start_day_and_queued_work() -> None:
    a = {"org_unit": "Halle", "role": "front_office", "resource": "p"}
    rows = [
        row("c1", "T1", "userTask", 0, 100, 160, effort=60, **a),
        row("c2", "T1", "userTask", 0, 1500, 1530, effort=30, **a),
        row("c3", "T1", "userTask", 0, 1439, 2000, effort=45, **a),  # counted on day 0
        row("c4", "T1", "userTask", 0, 2 * DAY + 5, NAN, effort=20, **a),  # in progress
        row("c5", "T1", "userTask", 0, NAN, NAN, effort=25, org_unit="Halle", role="front_office"),
        row("c6", "T1", "sendTask", 0, 3 * DAY, 3 * DAY + 10, effort=10, service="wohngeld", **a),
        row("c6", "Start", "startEvent", 0, 0, 0, org_unit="Halle", role="front_office"),
    ]
    table = feed(CaseTable({}), rows)
    loads = {load.service: load for load in table.pool_loads()}
    assert set(loads) == {"hund", "wohngeld"}
    hund = loads["hund"]
    assert hund.pool == ("Halle", "front_office")
    np.testing.assert_array_equal(hund.busy_by_day, [105, 30, 20])
    assert hund.queued_minutes == 25
    np.testing.assert_array_equal(loads["wohngeld"].busy_by_day, [0, 0, 0, 10])
    assert table.pool_loads(variant="zentral") == []


def test_to_arrays_gives_typed_columns() -> None:
    cols = feed(CaseTable({"hund": "Task_Bescheid"}), one_case()).to_arrays()
    assert cols["arrival"].dtype == float
    assert cols["is_open"].dtype == bool
    assert cols["replication"].dtype == np.int64
    assert list(cols["case_id"]) == ["c1"]
    assert cols["decision"][0] == 4 * DAY + 720


def _model() -> ServiceSetup:
    sub = Process(
        id="Sub_body",
        nodes={
            "Sub_Start": StartEvent(id="Sub_Start", outgoing=("f1",)),
            "Task_Bescheid": Task(
                id="Task_Bescheid",
                incoming=("f1",),
                outgoing=("f2",),
                properties={"zsa:decision": "true"},
            ),
            "Sub_Ende": EndEvent(id="Sub_Ende", incoming=("f2",)),
        },
        flows={
            "f1": SequenceFlow("f1", "Sub_Start", "Task_Bescheid"),
            "f2": SequenceFlow("f2", "Task_Bescheid", "Sub_Ende"),
        },
    )
    main = Process(
        id="P",
        nodes={
            "Start": StartEvent(id="Start", outgoing=("g1",)),
            "Sub": SubProcess(
                id="Sub", incoming=("g1",), outgoing=("g2",), body=sub, boundary_events=("B",)
            ),
            "End_Ok": EndEvent(id="End_Ok", incoming=("g2",)),
            "B": BoundaryEvent(id="B", attached_to="Sub", cancel_activity=False, outgoing=("g3",)),
            "Task_Notice": Task(id="Task_Notice", incoming=("g3",), outgoing=("g4",)),
            "End_Notice": EndEvent(id="End_Notice", incoming=("g4",)),
        },
        flows={
            "g1": SequenceFlow("g1", "Start", "Sub"),
            "g2": SequenceFlow("g2", "Sub", "End_Ok"),
            "g3": SequenceFlow("g3", "B", "Task_Notice"),
            "g4": SequenceFlow("g4", "Task_Notice", "End_Notice"),
        },
    )
    return ServiceSetup(
        name="wohngeld", definitions=Definitions(source="w.bpmn", processes={"P": main}), efforts={}
    )


def test_side_end_events_come_from_subprocesses_and_non_interrupting_boundaries() -> None:
    assert side_end_events(_model().definitions.main_process) == {"Sub_Ende", "End_Notice"}


def test_from_services_finds_the_decision_task_in_the_model() -> None:
    table = CaseTable.from_services({"wohngeld": _model()})
    assert table.decision_tasks == {"wohngeld": "Task_Bescheid"}
    assert table.side_end_events["wohngeld"] == {"Sub_Ende", "End_Notice"}


# -- property: every case counted once, no negative waits ------------------------------

HORIZON = 30 * DAY


@st.composite
def event_logs(draw: st.DrawFn) -> tuple[list[ActivityRecord], dict[str, bool]]:
    """Linear cases (start, 1-3 tasks, maybe a wait, end) cut off at HORIZON."""
    rows: list[ActivityRecord] = []
    finished: dict[str, bool] = {}
    times = st.floats(0, 10 * DAY, allow_nan=False)
    for i in range(draw(st.integers(0, 12))):
        case = f"c{i}"
        t = draw(st.floats(0, HORIZON - 1, allow_nan=False))
        variant = draw(st.sampled_from(["dezentral", "zentral"]))
        kw = {"variant": variant, "municipality": draw(st.sampled_from(["A", "B"]))}
        rows.append(row(case, "Start", "startEvent", t, t, t, **kw))
        open_ = False
        steps = draw(st.lists(st.sampled_from(["task", "wait"]), min_size=1, max_size=4))
        for j, step in enumerate(steps):
            enabled = t
            if step == "wait":
                done = enabled + draw(times)
                rows.append(
                    row(
                        case,
                        f"E{j}",
                        "intermediateCatchEvent",
                        enabled,
                        NAN,
                        done if done < HORIZON else NAN,
                        **kw,
                    )
                )
                t = done
            else:
                start = enabled + draw(times)
                done = start + draw(st.floats(1, 600))
                rows.append(
                    row(
                        case,
                        f"T{j}",
                        "userTask",
                        enabled,
                        start if start < HORIZON else NAN,
                        done if done < HORIZON else NAN,
                        effort=done - start,
                        resource="r" if start < HORIZON else "",
                        org_unit=kw["municipality"],
                        role="clerk",
                        **kw,
                    )
                )
                t = done
            if t >= HORIZON:
                open_ = True
                break
        if not open_:
            rows.append(row(case, "End", "endEvent", t, t, t, **kw))
        finished[f"{variant}/{case}"] = not open_
    # the engine writes rows in completion order, open rows at the end of the run
    rows.sort(key=lambda r: (math.isnan(r.complete), r.complete if r.complete == r.complete else 0))
    return rows, finished


@settings(max_examples=150, deadline=None)
@given(event_logs())
def test_property_cases_conserved_and_waits_not_negative(
    log: tuple[list[ActivityRecord], dict[str, bool]],
) -> None:
    rows, finished = log
    records = feed(CaseTable({}), rows).records()
    assert len(records) == len(finished)
    assert {f"{r.variant}/{r.case_id}": not r.is_open for r in records} == finished
    for r in records:
        assert not r.waiting < 0
        assert r.applicant_time >= 0
        assert math.isnan(r.end) == r.is_open
        assert r.is_open or r.end >= r.arrival


def test_union_of_touching_intervals() -> None:
    rows = [
        row("c1", "Start", "startEvent", 0, 0, 0),
        row("c1", "E1", "intermediateCatchEvent", 0, NAN, 10),
        row("c1", "E2", "intermediateCatchEvent", 10, NAN, 25),
        row("c1", "E3", "intermediateCatchEvent", 12, NAN, 20),
    ]
    (rec,) = feed(CaseTable({}), rows).records()
    assert rec.applicant_time == pytest.approx(25)


def _engine_like_cases() -> list[ActivityRecord]:
    """Cases numbered as the engine numbers them (with a gap and ids of other forms)."""
    rows = []
    ids = [
        ("Halle", "hund:Halle:2"),
        ("Halle", "hund:Halle:10"),
        ("Halle", "hund:Halle:0"),
        ("Halle", "hund:Halle:07"),  # a leading zero: not the engine's, kept by name
        ("Halle:Ost", "hund:Halle:Ost:1"),  # its prefix starts with another's
        ("Bad Dürrenberg", "hund:Bad Dürrenberg:3"),
        ("Halle", "c9"),
    ]
    for n, (municipality, case_id) in enumerate(ids):
        kw = {"municipality": municipality}
        rows += [
            row(case_id, "Start", "startEvent", n, n, n, **kw),
            row(case_id, "E1", "intermediateCatchEvent", n, NAN, n + 10, **kw),
            row(case_id, "E2", "intermediateCatchEvent", n + 5, NAN, n + 30, **kw),
            row(
                case_id,
                "Task_Bescheid",
                "userTask",
                n + 30,
                n + 40,
                n + 50,
                effort=9,
                resource="r",
                org_unit=municipality,
                role="clerk",
                **kw,
            ),
        ]
        if n % 2 == 0:
            rows.append(row(case_id, "End", "endEvent", n + 50, n + 50, n + 50, **kw))
    return rows


def test_columns_sort_case_ids_as_text_and_iterate_as_records() -> None:
    table = feed(CaseTable({"hund": "Task_Bescheid"}), _engine_like_cases())
    records = table.records()
    ids = [r.case_id for r in records]
    assert ids == sorted(ids)
    assert len(ids) == 7
    columns = table.columns()
    assert len(columns) == 7
    # repr: NaN is not equal to itself, its text is
    assert repr(list(columns)) == repr(records)
    assert repr(list(pickle.loads(pickle.dumps(columns)))) == repr(records)
    assert repr(list(CaseColumns.from_records(records))) == repr(records)
    by_id = {r.case_id: r for r in records}
    assert by_id["hund:Halle:10"].applicant_time == 30  # [0+1, 11] and [6, 31] joined
    assert by_id["hund:Halle:07"].municipality == "Halle"
    assert by_id["hund:Halle:0"].outcome == "End" and not by_id["hund:Halle:0"].is_open
    assert by_id["hund:Halle:10"].outcome == "" and by_id["hund:Halle:10"].is_open


def test_columns_give_the_arrays_of_the_records() -> None:
    table = feed(CaseTable({"hund": "Task_Bescheid"}), _engine_like_cases())
    expected = records_to_arrays(table.records())
    got = table.columns().to_arrays()
    assert list(got) == list(expected)
    for name, column in expected.items():
        assert got[name].dtype == column.dtype, name
        np.testing.assert_array_equal(got[name], column)


def test_caseworker_start_is_the_first_step_in_the_decision_tasks_role() -> None:
    # issue 16: the front office's scan is the first step, but an applicant waits for
    # the case worker; rows arrive in completion order, the case worker's first step
    # (in the ZSA here) is the earliest start in the decision task's role
    table = CaseTable({"hund": "Bescheid"}, caseworker_roles={"hund": "clerk"})
    rows = [
        row("c1", "Start", "startEvent", 0.0, 0.0, 0.0),
        row("c1", "Scan", "task", 0.0, 10.0, 20.0, resource="fo1", role="front_office",
            org_unit="Halle"),
        row("c1", "Bescheid", "task", 20.0, 900.0, 950.0, resource="zsa2", role="clerk",
            org_unit="ZSA"),
        row("c1", "Pruefen", "task", 20.0, 400.0, 450.0, resource="zsa1", role="clerk",
            org_unit="ZSA"),
        row("c1", "End", "endEvent", 950.0, 950.0, 950.0),
    ]  # fmt: skip
    (record,) = feed(table, rows).records()
    assert record.first_start == 10.0
    assert record.caseworker_start == 400.0
    assert record.decision == 950.0
    columns = table.columns()
    assert columns.column("caseworker_start").tolist() == [400.0]
    assert list(CaseColumns.from_records([record])) == [record]


def test_without_a_caseworker_role_the_caseworker_start_is_unknown() -> None:
    table = CaseTable({"hund": "Bescheid"})
    (record,) = feed(table, one_case()).records()
    assert math.isnan(record.caseworker_start)


def test_released_columns_are_the_same_and_leave_the_other_runs() -> None:
    rows = _engine_like_cases()
    other = [r._replace(replication=1) for r in rows]
    kept = feed(CaseTable({"hund": "Task_Bescheid"}), rows + other)
    handed = feed(CaseTable({"hund": "Task_Bescheid"}), rows + other)
    expected = repr(list(kept.columns("dezentral", 0)))
    assert repr(list(handed.columns("dezentral", 0, release=True))) == expected
    # the released run has no cases left (its memory is free); the other run is whole
    assert len(handed.columns("dezentral", 0)) == 0
    assert repr(list(handed.columns("dezentral", 1))) == repr(list(kept.columns("dezentral", 1)))


def test_codes_index_the_sorted_names_of_a_stream_field() -> None:
    columns = feed(CaseTable({"hund": "Task_Bescheid"}), _engine_like_cases()).columns()
    for name in ("service", "municipality"):
        codes, values = columns.codes(name)
        assert values == sorted(set(columns.column(name).tolist()))
        assert [values[k] for k in codes.tolist()] == columns.column(name).tolist()
