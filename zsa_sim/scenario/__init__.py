"""Scenario files: validated configuration of municipalities, services and variants.

Public API::

    scenario = load_scenario("scenarios/pilot.yaml")        # ScenarioError if unusable
    setup = build_setup(scenario, "zentral", replication=0)  # the engine's input
    variant = scenario.with_changes({"zsa.staff": 3.5})      # validated copy (sweeps)
    findings = validate_scenario_file("scenarios/pilot.yaml")
    text = template_for(read_bpmn("processes/new.bpmn"))     # parameter skeleton
"""

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
