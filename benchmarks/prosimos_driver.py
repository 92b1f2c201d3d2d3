"""Run Prosimos once; executed by the Prosimos venv's Python, not by zsa-sim's.

Usage: <venv>/bin/python prosimos_driver.py MODEL.bpmn PARAMS.json CASES LOG.csv
Prints the wall and CPU seconds of the simulation call (imports excluded) and the
process's peak resident memory in MB (VmHWM) on stdout.
"""

import sys
import time

from peak_memory import peak_mb  # this file's folder is on sys.path
from prosimos.simulation_engine import run_simulation

bpmn, params, cases, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
started, cpu = time.perf_counter(), time.process_time()
run_simulation(bpmn, params, cases, log_out_path=log, starting_at="2026-01-05T00:00:00.000+00:00")
print(f"{time.perf_counter() - started:.3f} {time.process_time() - cpu:.3f} {peak_mb():.1f}")
