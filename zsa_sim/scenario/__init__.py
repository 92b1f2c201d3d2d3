"""Scenario files: validated configuration of municipalities, services and variants.

Public API::

    scenario = load_scenario("scenarios/pilot.yaml")        # ScenarioError if unusable
    setup = build_setup(scenario, "zentral", replication=0)  # the engine's input
    variant = scenario.with_changes({"zsa.staff": 3.5})      # validated copy (sweeps)
    findings = validate_scenario_file("scenarios/pilot.yaml")
    text = template_for(read_bpmn("processes/new.bpmn"))     # parameter skeleton

The names are imported on first use (PEP 562): ``validate`` needs the checks, not the
template writer (issue 19: start-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zsa_sim.lazy import lazy_exports

if TYPE_CHECKING:
    from zsa_sim.scenario.build import build_setup, centralised, organisation
    from zsa_sim.scenario.checks import check_scenario, validate_scenario_file
    from zsa_sim.scenario.distribution_spec import DistributionSpec
    from zsa_sim.scenario.loader import apply_changes, load_scenario, scenario_from_data
    from zsa_sim.scenario.schema import (
        CalendarSpec,
        Municipality,
        Period,
        Scenario,
        ServiceSpec,
        ServiceTarget,
        Variant,
        VariantZsa,
        WaitSpec,
        Zsa,
    )
    from zsa_sim.scenario.template import template_for, write_template

_SCHEMA = "zsa_sim.scenario.schema"
_EXPORTS = {
    "CalendarSpec": _SCHEMA,
    "DistributionSpec": "zsa_sim.scenario.distribution_spec",
    "Municipality": _SCHEMA,
    "Period": _SCHEMA,
    "Scenario": _SCHEMA,
    "ServiceSpec": _SCHEMA,
    "ServiceTarget": _SCHEMA,
    "Variant": _SCHEMA,
    "VariantZsa": _SCHEMA,
    "WaitSpec": _SCHEMA,
    "Zsa": _SCHEMA,
    "apply_changes": "zsa_sim.scenario.loader",
    "build_setup": "zsa_sim.scenario.build",
    "centralised": "zsa_sim.scenario.build",
    "check_scenario": "zsa_sim.scenario.checks",
    "load_scenario": "zsa_sim.scenario.loader",
    "organisation": "zsa_sim.scenario.build",
    "scenario_from_data": "zsa_sim.scenario.loader",
    "template_for": "zsa_sim.scenario.template",
    "validate_scenario_file": "zsa_sim.scenario.checks",
    "write_template": "zsa_sim.scenario.template",
}

__all__ = [
    "CalendarSpec",
    "DistributionSpec",
    "Municipality",
    "Period",
    "Scenario",
    "ServiceSpec",
    "ServiceTarget",
    "Variant",
    "VariantZsa",
    "WaitSpec",
    "Zsa",
    "apply_changes",
    "build_setup",
    "centralised",
    "check_scenario",
    "load_scenario",
    "organisation",
    "scenario_from_data",
    "template_for",
    "validate_scenario_file",
    "write_template",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
