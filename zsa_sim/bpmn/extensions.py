"""Vendor extensions flattened to key/values, so scenarios can use what modellers wrote.

Modelling tools store extra data in ``extensionElements`` (and sometimes attributes);
the process model keeps it as a flat ``properties`` mapping of strings:

- Camunda 7/8 properties ``<camunda:property name="zsa:centralisable" value="true"/>``
  -> ``{"zsa:centralisable": "true"}`` (the name is kept as written);
- zsa-sim's own namespace: attributes ``zsa:centralisable="true"`` or elements
  ``<zsa:centralisable>true</zsa:centralisable>`` -> ``{"zsa:centralisable": "true"}``;
- Camunda's candidate groups of a user task (``camunda:candidateGroups="steueramt"``,
  ``<zeebe:assignmentDefinition candidateGroups="steueramt"/>``) -> ``{"candidateGroups":
  "steueramt"}``;
- Signavio meta data ``<signavio:signavioMetaData metaKey="k" metaValue="v"/>``
  -> ``{"signavio:k": "v"}``;
- BPSim 1.0 parameters of the first BPSim scenario, e.g. a ``ProcessingTime`` with a
  triangular distribution -> ``{"bpsim:ProcessingTime":
  "TriangularDistribution(min=1,mode=2,max=3)"}``.

Later entries win when a key repeats (as in Camunda, where the last property counts).
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree.ElementTree import Element

from zsa_sim.bpmn.namespaces import BPMN, BPSIM, CAMUNDA, SIGNAVIO, ZEEBE, ZSA, qname, split_tag

_EXTENSION_ELEMENTS = qname(BPMN, "extensionElements")
#: Property holding a user task's candidate groups (Camunda 7 attribute or Camunda 8
#: ``zeebe:assignmentDefinition``): the template proposes them as roles.
CANDIDATE_GROUPS = "candidateGroups"
_DOCUMENTATION = qname(BPMN, "documentation")


def documentation_of(element: Element) -> str:
    """The text of the element's first ``documentation`` child, stripped ('' if none)."""
    doc = element.find(_DOCUMENTATION)
    return (doc.text or "").strip() if doc is not None else ""


def properties_of(element: Element) -> dict[str, str]:
    """Key/values from the element's zsa attributes and its ``extensionElements``."""
    found: dict[str, str] = {}
    for key, value in element.attrib.items():
        namespace, local = split_tag(key)
        if namespace == ZSA:
            found[f"zsa:{local}"] = value
        elif namespace == CAMUNDA and local == "candidateGroups" and value.strip():
            found[CANDIDATE_GROUPS] = value.strip()
    for extensions in element.findall(_EXTENSION_ELEMENTS):
        for child in extensions:
            found.update(_from_extension(child))
    return found


def _from_extension(child: Element) -> Iterable[tuple[str, str]]:
    namespace, local = split_tag(child.tag)
    if namespace in (CAMUNDA, ZEEBE) and local == "properties":
        for prop in child:
            if split_tag(prop.tag) == (namespace, "property") and prop.get("name"):
                yield prop.get("name", ""), prop.get("value", (prop.text or "").strip())
    elif namespace == ZEEBE and local == "assignmentDefinition":
        groups = (child.get("candidateGroups") or "").strip()
        if groups:
            yield CANDIDATE_GROUPS, groups
    elif namespace == ZSA:
        yield f"zsa:{local}", child.get("value", (child.text or "").strip())
    elif namespace == SIGNAVIO and local == "signavioMetaData" and child.get("metaKey"):
        yield f"signavio:{child.get('metaKey')}", child.get("metaValue", "")


def bpsim_parameters(root: Element) -> dict[str, dict[str, str]]:
    """BPSim parameters of the file's first BPSim scenario, by ``elementRef``.

    BPSim files may hold several scenarios; the first one is the modeller's baseline,
    and zsa-sim's own scenarios (YAML) describe variants, so only the first is kept.
    """
    scenario = next(root.iter(qname(BPSIM, "Scenario")), None)
    if scenario is None:
        return {}
    by_ref: dict[str, dict[str, str]] = {}
    for params in scenario.iter(qname(BPSIM, "ElementParameters")):
        ref = params.get("elementRef")
        if not ref:
            continue
        target = by_ref.setdefault(ref, {})
        for category in params:  # TimeParameters, ControlParameters, ...
            for parameter in category:
                _, name = split_tag(parameter.tag)
                if name == "Property":  # PropertyParameters/Property name="..."
                    name = f"property:{parameter.get('name', '')}"
                values = [compact(value) for value in parameter]
                target[f"bpsim:{name}"] = "; ".join(values)
    return by_ref


def compact(element: Element) -> str:
    """One-line text of a BPSim value element: ``Name(attr=value,...,Child(...))``."""
    _, local = split_tag(element.tag)
    parts = [f"{split_tag(key)[1]}={value}" for key, value in element.attrib.items()]
    text = (element.text or "").strip()
    if text:
        parts.append(text)
    parts.extend(compact(child) for child in element)
    return f"{local}({','.join(parts)})"
