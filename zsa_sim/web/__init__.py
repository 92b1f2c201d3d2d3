"""The what-if workbench: a local web page over the library (``zsa-sim serve``).

A pilot team changes the organisation (who joins the ZSA, staff, volumes, hand-over
delay) without editing YAML, runs the comparison in the background and reads the answer
per municipality, keeps every run as a named scenario version and exports it. The page
holds no simulation logic: it validates with :func:`zsa_sim.scenario.apply_changes`, runs
with :func:`zsa_sim.experiment.runner.run_experiment` and reads results folders.

Dash is an optional extra (``pip install 'zsa-sim[web]'``); only :func:`serve` and
:func:`create_app` need it, and they import it when called.
"""

from zsa_sim.web.app import create_app, serve, start_server
from zsa_sim.web.jobs import JobManager, JobStatus
from zsa_sim.web.whatif import WhatIf, apply_whatif, changes_of, whatif_of, write_version

__all__ = [
    "JobManager",
    "JobStatus",
    "WhatIf",
    "apply_whatif",
    "changes_of",
    "create_app",
    "serve",
    "start_server",
    "whatif_of",
    "write_version",
]
