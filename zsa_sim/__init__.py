"""zsa-sim: BPMN process simulation for the Saxony-Anhalt ZSA pilot.

Data flows one way, one package per stage:
``bpmn`` (file -> process model) -> ``scenario`` (validated configuration, synthetic
applicants from ``synth``) -> ``engine`` (SimPy) -> ``eventlog`` -> ``experiment``
(replications, KPIs, comparison) -> ``report`` (charts and report) -> ``planning``.
"""

import logging

__version__ = "0.1.0"

# A library only ever adds a NullHandler (Python logging HOWTO): applications decide
# what is shown. Without it, Python's last-resort handler would print bare warnings
# next to the command line's own one-line messages.
logging.getLogger(__name__).addHandler(logging.NullHandler())
