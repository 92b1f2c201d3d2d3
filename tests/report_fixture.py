"""A small but realistic results folder for the report tests, built without the engine.

Four municipalities (one with a long name, one offering only one service), two services
with the reduced BPMN models in ``tests/data/report/``, two variants and three
replications. Cases are drawn from a seeded numpy generator as event-log rows, and
everything after that is the project's own code: :class:`CaseTable` reduces the rows to
case records and pool loads, :func:`replication_kpis`, :func:`aggregate` and
:func:`compare_variants` give the KPIs and the paired comparison, :class:`ActivityStats`
gives ``activities.csv``, and the files are written with the results-folder writers. So
the folder has the layout, the column formats and the consistency of a real run.

The numbers are invented (synthetic data) but shaped like the pilot question: Dessau-Roßlau
is overloaded in Wohngeld and its backlog grows in the decentral variant; the central
unit (ZSA) takes over the centralisable tasks, with a handover delay and a somewhat
smaller effort. Draws depend on replication, municipality and service but not on the
variant (common random numbers), as in the real runner.
"""

from __future__ import annotations

import atexit
import csv
import gzip
import io
import math
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

import holidays
import numpy as np
import yaml

from zsa_sim.bpmn import read_bpmn
from zsa_sim.bpmn.model import Definitions
from zsa_sim.engine.calendar import MINUTES_PER_DAY, WorkingCalendar
from zsa_sim.eventlog.schema import ActivityRecord, Tee
from zsa_sim.experiment.activities import ActivityStats
from zsa_sim.experiment.cases import CaseRecord, CaseTable
from zsa_sim.experiment.comparison import Comparison, KpiSummary, aggregate, compare_variants
from zsa_sim.experiment.kpis import KpiValue, replication_kpis, working_day_counter
from zsa_sim.experiment.results import write_csv, write_json
from zsa_sim.experiment.weekly import WEEKLY_FILE, QueueByWeek, WeeklyRow, weekly_rows

DATA = Path(__file__).parent / "data" / "report"
EPOCH = datetime(2026, 1, 1)
WARMUP_DAYS = 28
DAYS = 365
WINDOW_START = WARMUP_DAYS * MINUTES_PER_DAY
WINDOW_END = (WARMUP_DAYS + DAYS) * MINUTES_PER_DAY
VARIANTS = ("dezentral", "zentral")
ZSA = "ZSA"
#: net working hours per FTE and year (Mon-Fri 7.8 h, minus holidays and 10 % absence)
HOURS_PER_FTE_DAY = 7.8
ABSENCE = 0.1


class Municipality(NamedTuple):
    key: str
    name: str
    population: int
    #: cases per year and service
    volumes: dict[str, int]
    #: utilisation the staffing is sized for (decentral)
    load: float
    #: how much waits grow over the year in the decentral variant (overload)
    growth: float


MUNICIPALITIES: tuple[Municipality, ...] = (
    Municipality(
        "dessau", "Dessau-Roßlau", 74_000, {"hundehaltung": 70, "wohngeld": 110}, 0.97, 1.6
    ),
    Municipality(
        "halle", "Halle (Saale)", 238_000, {"hundehaltung": 120, "wohngeld": 150}, 0.8, 0.2
    ),
    Municipality(
        "elbe_heideland",
        "Verbandsgemeinde Elbe-Heideland",
        15_000,
        {"hundehaltung": 45},
        0.6,
        0.0,
    ),
    Municipality("zerbst", "Zerbst/Anhalt", 21_000, {"hundehaltung": 40, "wohngeld": 50}, 0.7, 0.1),
)


class Step(NamedTuple):
    activity_id: str
    #: mean waiting time before work begins (days) at load 1, decentral
    wait_days: float
    #: mean effort (working minutes)
    effort: float


class ServiceSpec(NamedTuple):
    key: str
    label: str
    bpmn: str
    decision_task: str
    start: str
    end: str
    first: tuple[Step, ...]
    #: request missing documents, wait for them, check again
    loop: tuple[Step, ...]
    rest: tuple[Step, ...]
    missing_share: float


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        "hundehaltung",
        "Hundehaltung",
        "hundehaltung_mini.bpmn",
        "Task_Steuerbescheid_erlassen",
        "Start_Antrag",
        "End_Angemeldet",
        (Step("Task_Antrag_erfassen", 1.0, 15), Step("Task_Vollstaendigkeit_pruefen", 2.0, 20)),
        (
            Step("Task_Unterlagen_nachfordern", 0.5, 10),
            Step("Event_Unterlagen_eingegangen", 0.0, 0),
            Step("Task_Vollstaendigkeit_pruefen", 1.0, 15),
        ),
        (
            Step("Task_Steuerverfahren_erfassen", 1.5, 20),
            Step("Task_Steuerbescheid_erlassen", 2.0, 15),
            Step("Task_Bescheid_versenden", 0.5, 10),
        ),
        0.3,
    ),
    ServiceSpec(
        "wohngeld",
        "Wohngeld",
        "wohngeld_mini.bpmn",
        "Task_Bescheid_erlassen",
        "Start_Antrag",
        "End_Beschieden",
        (Step("Task_Antrag_scannen", 1.0, 20), Step("Task_Vollstaendigkeit_pruefen", 3.0, 40)),
        (
            Step("Task_Unterlagen_nachfordern", 0.5, 15),
            Step("Event_Unterlagen_eingegangen", 0.0, 0),
            Step("Task_Vollstaendigkeit_pruefen", 1.5, 25),
        ),
        (
            Step("Task_Daten_erfassen", 2.0, 45),
            Step("Task_Anspruch_berechnen", 2.0, 30),
            Step("Task_Vier_Augen_Pruefung", 1.0, 20),
            Step("Task_Bescheid_erlassen", 2.0, 25),
            Step("Task_Archivieren", 0.5, 10),
        ),
        0.45,
    ),
)
COST_PER_HOUR = {"municipality": 58.0, ZSA: 52.0}
#: the ZSA's specialised team is faster at the centralised tasks
ZSA_EFFORT_FACTOR = 0.8
#: days a file takes between the municipality and the ZSA
ZSA_HANDOVER_DAYS = 0.5


class _Task(NamedTuple):
    name: str
    kind: str
    lane: str
    role: str
    centralisable: bool


def _tasks(definitions: Definitions) -> dict[str, _Task]:
    process = definitions.main_process
    out = {}
    for node in process.walk():
        lane = process.lane_of(node.id) if node.lane else None
        out[node.id] = _Task(
            node.name,
            node.kind,
            lane.id if lane else "",
            lane.role if lane else "",
            bool(getattr(node, "centralisable", False)),
        )
    return out


def _closed_days() -> frozenset[date]:
    return frozenset(holidays.Germany(subdiv="ST", years=(2026, 2027)))


def _available_minutes(fte: float) -> np.ndarray:
    """Minutes per calendar day a pool of ``fte`` is present (Mon-Fri, no holidays)."""
    closed = _closed_days()
    days = math.ceil(WINDOW_END / MINUTES_PER_DAY) + 1
    out = np.zeros(days)
    for d in range(days):
        day = date.fromordinal(EPOCH.date().toordinal() + d)
        if day.weekday() < 5 and day not in closed:
            out[d] = fte * HOURS_PER_FTE_DAY * 60 * (1 - ABSENCE)
    return out


def _staffing(m: Municipality, models: dict[str, dict[str, _Task]]) -> dict[str, float]:
    """FTE per role so that the decentral utilisation is about ``m.load``."""
    hours: dict[str, float] = {}
    for spec in SERVICES:
        volume = m.volumes.get(spec.key, 0)
        if not volume:
            continue
        steps = list(spec.first) + list(spec.rest)
        loop = list(spec.loop)
        for step, weight in [(s, 1.0) for s in steps] + [(s, spec.missing_share) for s in loop]:
            role = models[spec.key][step.activity_id].role
            if step.effort and role:
                hours[role] = hours.get(role, 0.0) + volume * weight * step.effort / 60
    yearly = 250 * HOURS_PER_FTE_DAY * (1 - ABSENCE)
    return {role: round(h / (yearly * m.load), 2) for role, h in sorted(hours.items())}


def _case_rows(
    rng: np.random.Generator,
    variant: str,
    replication: int,
    m: Municipality,
    spec: ServiceSpec,
    tasks: dict[str, _Task],
) -> Iterator[ActivityRecord]:
    """Event-log rows of all cases of one municipality and service in one run."""
    volume = m.volumes[spec.key]
    # Common random numbers: the draws do not depend on the variant.
    n = rng.poisson(volume * WINDOW_END / (DAYS * MINUTES_PER_DAY))
    arrivals = np.sort(rng.uniform(0, WINDOW_END, n))
    missing = rng.random(n) < spec.missing_share
    steps_max = len(spec.first) + len(spec.loop) + len(spec.rest)
    waits = rng.exponential(1.0, (n, steps_max))
    efforts = rng.gamma(4.0, 0.25, (n, steps_max))
    reply_days = rng.uniform(3, 14, n)
    central = variant == "zentral"
    for i in range(n):
        case_id = f"{spec.key[:4]}-{m.key}-{i:04d}"
        t = float(arrivals[i])

        def row(
            a_id: str,
            enabled: float,
            start: float,
            complete: float,
            effort: float,
            org_unit: str = "",
            resource: str = "",
            case_id: str = case_id,
        ) -> ActivityRecord:
            task = tasks[a_id]
            return ActivityRecord(
                case_id,
                spec.key,
                m.name,
                variant,
                replication,
                a_id,
                task.name,
                task.kind,
                task.lane,
                task.role if resource else "",
                org_unit,
                resource,
                enabled,
                start,
                complete,
                effort,
                (),
            )

        yield row(spec.start, t, t, t, 0.0)
        path = list(spec.first) + (list(spec.loop) if missing[i] else []) + list(spec.rest)
        for k, step in enumerate(path):
            task = tasks[step.activity_id]
            if task.kind == "intermediateCatchEvent":
                done = t + reply_days[i] * MINUTES_PER_DAY
                if done >= WINDOW_END:
                    yield row(step.activity_id, t, t, math.nan, 0.0)
                    break
                yield row(step.activity_id, t, t, done, 0.0)
                t = done
                continue
            by_zsa = central and task.centralisable
            progress = t / WINDOW_END
            if by_zsa:
                mean_wait = step.wait_days * 0.6 + ZSA_HANDOVER_DAYS
                effort = step.effort * ZSA_EFFORT_FACTOR * efforts[i, k]
                org_unit = ZSA
            else:
                growth = m.growth * (0.3 if central else 1.0)
                relief = 0.8 if central else 1.0
                mean_wait = step.wait_days * m.load * relief * (1 + growth * progress)
                effort = step.effort * efforts[i, k]
                org_unit = m.name
            start = t + mean_wait * waits[i, k] * MINUTES_PER_DAY
            complete = start + effort
            resource = f"{org_unit}/{task.role}#1"
            if start >= WINDOW_END:
                yield row(step.activity_id, t, math.nan, math.nan, effort, org_unit, resource)
                break
            if complete >= WINDOW_END:
                yield row(step.activity_id, t, start, math.nan, effort, org_unit, resource)
                break
            yield row(step.activity_id, t, start, complete, effort, org_unit, resource)
            t = complete
        else:
            yield row(spec.end, t, t, t, 0.0)


class Built(NamedTuple):
    run_dir: Path
    kpis: list[KpiSummary]
    kpi_values: list[KpiValue]
    comparison: list[Comparison]
    cases: list[CaseRecord]


def build_results(
    root: Path,
    *,
    seed: int = 20260101,
    replications: int = 3,
    municipalities: tuple[Municipality, ...] = MUNICIPALITIES,
) -> Built:
    """Write a complete results folder under ``root`` and return it with its contents."""
    models = {s.key: read_bpmn(DATA / s.bpmn) for s in SERVICES}
    tasks = {key: _tasks(d) for key, d in models.items()}
    staff = {m.name: _staffing(m, tasks) for m in municipalities}
    zsa_roles = sorted(
        {t.role for model in tasks.values() for t in model.values() if t.centralisable}
    )
    zsa_staff = {role: 0.25 for role in zsa_roles}
    counter = working_day_counter(WorkingCalendar(EPOCH, closed_days=_closed_days()))
    pools_json = []
    available: dict[str, dict[tuple[str, str], np.ndarray]] = {}
    rates: dict[str, dict[tuple[str, str], float]] = {}
    for variant in VARIANTS:
        available[variant], rates[variant] = {}, {}
        units = [(m.name, staff[m.name], COST_PER_HOUR["municipality"]) for m in municipalities]
        if variant == "zentral":
            units.append((ZSA, zsa_staff, COST_PER_HOUR[ZSA]))
        for org_unit, roles, rate in units:
            for role, fte in roles.items():
                available[variant][(org_unit, role)] = _available_minutes(fte)
                rates[variant][(org_unit, role)] = rate
                pools_json.append(
                    {
                        "id": f"{org_unit}/{role}",
                        "org_unit": org_unit,
                        "role": role,
                        "fte": fte,
                        "cost_per_hour": rate,
                        "variant": variant,
                    }
                )

    stats = ActivityStats(WINDOW_START, WINDOW_END)
    all_cases: list[CaseRecord] = []
    values: list[KpiValue] = []
    weekly: list[WeeklyRow] = []
    groups = [(s.key, m.name) for m in municipalities for s in SERVICES if s.key in m.volumes]
    for replication in range(replications):
        for variant in VARIANTS:
            table = CaseTable(
                {s.key: s.decision_task for s in SERVICES},
                caseworker_roles={s.key: tasks[s.key][s.decision_task].role for s in SERVICES},
            )
            queue = QueueByWeek(WINDOW_END)
            sink = Tee(table, stats, queue)
            for mi, m in enumerate(municipalities):
                for si, spec in enumerate(SERVICES):
                    if spec.key not in m.volumes:
                        continue
                    rng = np.random.default_rng([seed, replication, mi, si])
                    for r in _case_rows(rng, variant, replication, m, spec, tasks[spec.key]):
                        sink.record(r)
            records = table.records()
            all_cases += records
            weekly += weekly_rows(
                variant, replication, queue, table.pool_loads(), available[variant]
            )
            values += replication_kpis(
                records,
                table.pool_loads(),
                variant=variant,
                replication=replication,
                window_start=WINDOW_START,
                window_end=WINDOW_END,
                available_minutes=available[variant],
                cost_per_hour=rates[variant],
                working_days=counter,
                groups=groups,
            )
    kpis = aggregate(values)
    comparison = compare_variants(values)

    run_dir = root / "pilot-mini" / "2026-11-25T11-20-58"
    (run_dir / "inputs").mkdir(parents=True)
    for spec in SERVICES:
        shutil.copyfile(DATA / spec.bpmn, run_dir / "inputs" / spec.bpmn)
    parameters = _parameters(municipalities, staff, zsa_staff, replications, seed)
    (run_dir / "inputs" / "pilot-mini.yaml").write_text(
        "# Synthetic test scenario of the report tests (tests/report_fixture.py)\n"
        + yaml.safe_dump(parameters, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    write_json(run_dir / "summary.json", _summary(parameters, pools_json, kpis, comparison))
    write_csv(run_dir / "kpis.csv", (k._asdict() for k in kpis), KpiSummary._fields)
    write_csv(run_dir / "kpis_by_replication.csv", (v._asdict() for v in values), KpiValue._fields)
    write_csv(run_dir / "comparison.csv", (c._asdict() for c in comparison), Comparison._fields)
    _write_cases(run_dir / "cases.csv.gz", all_cases)
    write_csv(run_dir / WEEKLY_FILE, (w._asdict() for w in weekly), WeeklyRow._fields)
    stats.write_csv(run_dir / "activities.csv")
    return Built(run_dir, kpis, values, comparison, all_cases)


def _write_cases(path: Path, cases: list[CaseRecord]) -> None:
    plain = path.with_suffix("")
    write_csv(plain, (c._asdict() for c in cases), CaseRecord._fields)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(plain.read_bytes())
    plain.unlink()


def _parameters(
    municipalities: tuple[Municipality, ...],
    staff: dict[str, dict[str, float]],
    zsa_staff: dict[str, float],
    replications: int,
    seed: int,
) -> dict:
    office = ["07:30-16:00"]
    return {
        "name": "pilot-mini",
        "description": "Synthetic test scenario: four municipalities, two services.",
        "period": {"start": EPOCH.date().isoformat(), "days": DAYS, "warmup_days": WARMUP_DAYS},
        "replications": replications,
        "seed": seed,
        "calendars": {
            "rathaus": {
                "holidays": "ST",
                "hours": {
                    "mon": office,
                    "tue": office,
                    "wed": office,
                    "thu": office,
                    "fri": ["07:30-12:30"],
                },
                "closed": [],
            }
        },
        "services": {
            s.key: {"label": s.label, "bpmn": s.bpmn, "decision_task": s.decision_task}
            for s in SERVICES
        },
        "municipalities": {
            m.key: {
                "name": m.name,
                "population": m.population,
                "services": sorted(m.volumes),
                "staff": staff[m.name],
                "calendar": "rathaus",
                "absence_rate": ABSENCE,
                "cost_per_hour": COST_PER_HOUR["municipality"],
            }
            for m in municipalities
        },
        "zsa": {
            "name": ZSA,
            "calendar": "rathaus",
            "cost_per_hour": COST_PER_HOUR[ZSA],
            "staff": zsa_staff,
            "effort_factor": ZSA_EFFORT_FACTOR,
        },
        "variants": {
            "dezentral": {"description": "Jede Kommune bearbeitet selbst."},
            "zentral": {
                "description": "Die ZSA übernimmt die zentralisierbaren Aufgaben.",
                "zsa": {"municipalities": "all", "services": "all"},
            },
        },
    }


#: the decision tasks' names in the BPMN models (the runner records them beside the id)
_DECISION_NAMES = {
    "Task_Steuerbescheid_erlassen": "Hundesteuerbescheid erlassen",
    "Task_Bescheid_erlassen": "Wohngeldbescheid erlassen",
}


def _summary(parameters: dict, pools: list[dict], kpis, comparison) -> dict:
    verdicts: dict[str, dict[str, list[str]]] = {}
    labels = {s.key: s.label for s in SERVICES}
    for c in comparison:
        if c.pool or c.service == "all" or c.kpi not in ("waiting_time_p90", "lead_time_p90"):
            continue
        entry = verdicts.setdefault(c.municipality, {"de": [], "en": []})
        entry["de"].append(f"{labels[c.service]}: {c.verdict_de}")
        entry["en"].append(f"{labels[c.service]}: {c.verdict_en}")
    return {
        "zsa_sim_version": "0.1.0",
        "versions": {"python": "3.11", "numpy": np.__version__},
        "scenario": {
            "name": parameters["name"],
            "description": parameters["description"],
            "file": "inputs/pilot-mini.yaml",
            "sha256": "0" * 64,
            "period": parameters["period"],
            "seed": parameters["seed"],
            "replications": parameters["replications"],
            "variants": {k: v["description"] for k, v in parameters["variants"].items()},
            "municipalities": [
                {
                    "name": m["name"],
                    "population": m["population"],
                    "services": m["services"],
                    "staff": m["staff"],
                }
                for m in parameters["municipalities"].values()
            ],
            "services": [
                {
                    "key": s.key,
                    "label": s.label,
                    "bpmn": s.bpmn,
                    "decision_task": s.decision_task,
                    "decision_task_name": _DECISION_NAMES[s.decision_task],
                }
                for s in SERVICES
            ],
            "targets": {s.key: {"kpi": "lead_time_workdays_p90", "max": 15} for s in SERVICES},
            "parameters": parameters,
        },
        "window": {
            "start_minutes": WINDOW_START,
            "end_minutes": WINDOW_END,
            "epoch": EPOCH.isoformat(),
        },
        "pools": pools,
        "kpis": [k._asdict() for k in kpis],
        "comparison": [c._asdict() for c in comparison],
        "verdicts": verdicts,
    }


_CACHE: dict[tuple[int, int, tuple[str, ...]], Built] = {}


def cached_results(
    seed: int = 20260101,
    replications: int = 3,
    municipalities: tuple[Municipality, ...] = MUNICIPALITIES,
) -> Built:
    """The folder built once per test session (read-only: copy it before writing into it)."""
    key = (seed, replications, tuple(m.key for m in municipalities))
    if key not in _CACHE:
        root = Path(tempfile.mkdtemp(prefix="zsa-report-fixture-"))
        atexit.register(shutil.rmtree, root, True)
        _CACHE[key] = build_results(
            root, seed=seed, replications=replications, municipalities=municipalities
        )
    return _CACHE[key]


#: Eight municipalities with long names and few cases: for the label-overlap checks.
MANY_MUNICIPALITIES: tuple[Municipality, ...] = tuple(
    Municipality(f"vg{i}", name, 10_000, {"hundehaltung": 25, "wohngeld": 20}, 0.7, 0.0)
    for i, name in enumerate(
        (
            "Verbandsgemeinde Elbe-Heideland",
            "Verbandsgemeinde Elbe-Havel-Land",
            "Lutherstadt Wittenberg",
            "Hansestadt Stendal",
            "Lutherstadt Eisleben",
            "Verbandsgemeinde Saale-Wipper",
            "Stadt Sangerhausen",
            "Verbandsgemeinde Flechtingen",
        )
    )
)


def copy_results(target: Path, seed: int = 20260101, replications: int = 3) -> Path:
    """A private copy of the cached folder under ``target`` (for tests that write charts)."""
    source = cached_results(seed, replications).run_dir
    destination = target / source.name
    shutil.copytree(source, destination)
    return destination


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a (possibly gzipped) CSV file, for assertions."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


_REPORTS: dict[str, object] = {}


def cached_report(lang: str = "de"):
    """The fixture folder with its report built once per session and language (read-only).

    Both languages go into the same copy (German: charts/, report.html; English:
    charts/en/, report.en.html), as they would in a real results folder.
    """
    from zsa_sim.report import build_report

    if "dir" not in _REPORTS:
        root = Path(tempfile.mkdtemp(prefix="zsa-report-built-"))
        atexit.register(shutil.rmtree, root, True)
        _REPORTS["dir"] = copy_results(root)
    if lang not in _REPORTS:
        _REPORTS[lang] = build_report(_REPORTS["dir"], lang)  # type: ignore[arg-type]
    return _REPORTS[lang]
