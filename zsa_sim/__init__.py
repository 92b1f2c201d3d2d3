"""zsa-sim: BPMN process simulation for the Saxony-Anhalt ZSA pilot.

Data flows one way, one package per stage:
``bpmn`` (file -> process model) -> ``scenario`` (validated configuration, synthetic
applicants from ``synth``) -> ``engine`` (SimPy) -> ``eventlog`` -> ``experiment``
(replications, KPIs, comparison) -> ``report`` (charts and report) -> ``planning``.
"""

__version__ = "0.1.0"

# The package's NullHandler (Python logging HOWTO: a library only ever adds one) is
# added where its only logger is made, zsa_sim.experiment.results: importing logging
# here cost every command ~4 ms of start-up (issue 19).
