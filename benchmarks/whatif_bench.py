"""How long the workbench takes to answer a what-if on the pilot (issue 20's target).

The what-if is the workshop question "and with 10 instead of 11.75 FTE at the ZSA?" on
the pilot scenario, 10 replications of both variants, through the workbench's own path:
the form is checked, the scenario version written, the run started in the job manager's
worker process (which runs the replications on ``-j`` cores), progress polled as the
page does, and the answer (conclusion table and KPI charts) built from the results
folder. Wall time from "Run" to the answer, per phase, and the CPU seconds of all
processes (the machine is shared, so CPU seconds are the steadier figure).

Run:  python3 benchmarks/whatif_bench.py [--jobs 2] [--no-eventlog] [--replications 10]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from zsa_sim.scenario import load_scenario  # noqa: E402
from zsa_sim.web.callbacks import Workbench, answer_rows  # noqa: E402
from zsa_sim.web.charts import kpi_figure  # noqa: E402
from zsa_sim.web.form import FormValues, staff_rows  # noqa: E402
from zsa_sim.web.jobs import JobManager  # noqa: E402


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "pilot.yaml")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--zsa-staff", type=float, default=10.0)
    parser.add_argument("--no-eventlog", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="whatif-bench-") as tmp:
        bench = Workbench(load_scenario(args.scenario), Path(tmp))
        eventlog = "none" if args.no_eventlog else "first"
        bench.jobs = JobManager(Path(tmp), jobs=args.jobs, eventlog=eventlog)
        bench.jobs.warm_up()  # the server starts its fork server at start-up, too
        start = bench.form_start(None)
        form = FormValues(
            name=f"{bench.scenario.name}-bench", municipalities=list(start.municipalities),
            services=list(start.services), zsa_staff=args.zsa_staff, zsa_teams=[],
            staff=staff_rows(start), volume=dict(start.volume), handover=start.handover_days,
            effort=start.effort_factor, replications=args.replications,
        )
        cpu0, t0 = own_cpu(), time.perf_counter()
        job = bench.start_run(None, form)
        phases: dict[str, float] = {}
        while not (status := bench.jobs.status(job)).finished:
            phases.setdefault(status.phase, time.perf_counter() - t0)
            time.sleep(0.1)
        if status.state != "done":
            raise SystemExit(f"run {status.state}: {status.error}")
        t_run = time.perf_counter() - t0
        rows = answer_rows(Path(status.run_dir), "de")
        figures = [kpi_figure(Path(status.run_dir), k, "de")
                   for k in ("lead_time_mean", "waiting_time_p90", "utilisation")]
        t_answer = time.perf_counter() - t0
        cpu = own_cpu() - cpu0 + (status.cpu_seconds or 0.0)
        scenario = bench.scenario
        print(f"what-if: {args.scenario.name}, zsa.staff = {args.zsa_staff:g}, "
              f"{args.replications} replications x {len(scenario.variants)} variants, "
              f"-j {args.jobs}, event log: {eventlog}")
        for phase, at in phases.items():
            print(f"  phase {phase:<9} seen at {at:6.1f} s")
        print(f"  run finished       {t_run:6.1f} s wall")
        print(f"  answer shown       {t_answer:6.1f} s wall ({len(rows)} table rows, "
              f"{len(figures)} charts)")
        print(f"  CPU seconds        {cpu:6.1f} (run {status.cpu_seconds:.1f}, "
              f"page side {own_cpu() - cpu0:.1f})")
        print("  target             < 20 s on 2 cores:", "met" if t_answer < 20 else "missed")


if __name__ == "__main__":
    main()
