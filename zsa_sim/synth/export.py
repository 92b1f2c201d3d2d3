"""Synthetic applicants as CSV files, with names and addresses, for people to look at.

The engine needs no names; a pilot team showing the simulation, or testing a specialist
procedure (Fachverfahren) with test data, does. This module adds invented identities
(Faker, locale de_DE) to the applicants of :mod:`zsa_sim.synth.applicants`: first and
last name, a street and house number in the municipality (Faker's invented street
names), one of the municipality's postcodes, the municipality as city, and a date of
birth (18 to 90 years before the observed period starts). Faker is seeded from the
scenario's stream for that service and municipality, so the files are identical for
the same seed and replication.

**Every file starts with a line saying the data are synthetic.** No real person's data
is used or produced: names, streets and dates are random combinations.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from faker import Faker

from zsa_sim.errors import ScenarioError
from zsa_sim.randomness import stream
from zsa_sim.synth.applicants import arrival_datetime, generate_applicants
from zsa_sim.synth.backlog import Backlog, generate_backlog, has_backlog

if TYPE_CHECKING:
    from zsa_sim.scenario.schema import Scenario

NOTICE = (
    "# SYNTHETISCHE DATEN – keine echten Personen / SYNTHETIC DATA - not real persons "
    "(zsa-sim, seed={seed}, replication={replication})"
)
IDENTITY_COLUMNS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "street",
    "house_number",
    "postcode",
    "city",
    "date_of_birth",
)


def identities(
    seed: int, n: int, postcodes: list[str], city: str, reference: date
) -> dict[str, list[str]]:
    """``n`` invented identities living in ``city``; the same seed gives the same people."""
    fake = Faker("de_DE")
    fake.seed_instance(seed)
    day = min(reference.day, 28)  # 29 February has no twin 18 or 90 years earlier
    oldest = date(reference.year - 90, reference.month, day)
    youngest = date(reference.year - 18, reference.month, day)
    out: dict[str, list[str]] = {name: [] for name in IDENTITY_COLUMNS}
    for _ in range(n):
        out["first_name"].append(fake.first_name())
        out["last_name"].append(fake.last_name())
        out["street"].append(fake.street_name())
        out["house_number"].append(fake.building_number())
        out["postcode"].append(fake.random_element(postcodes))
        out["city"].append(city)
        out["date_of_birth"].append(fake.date_between(oldest, youngest).isoformat())
    return out


def write_synthetic_data(
    scenario: Scenario, out_dir: str | Path, replication: int = 0
) -> list[Path]:
    """Write ``<out_dir>/<scenario>/<service>_<municipality>.csv`` for every pair.

    Returns the paths written. Each file: the synthetic-data notice, then a header and
    one row per applicant: the initial backlog first (ids ``B1``, ``B2``, ..., oldest
    first, with the node each stands at in ``backlog_node``), then the new applications
    in arrival order.
    """
    folder = Path(out_dir) / scenario.name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ScenarioError(f"cannot create {folder}: {err.strerror}") from err
    written: list[Path] = []
    for m_key, municipality in scenario.municipalities.items():
        for s_key in municipality.services:
            if s_key not in scenario.services:
                continue
            path = folder / f"{s_key}_{m_key}.csv"
            _write_pair(scenario, s_key, m_key, replication, path)
            written.append(path)
    return written


def _write_pair(scenario: Scenario, s_key: str, m_key: str, replication: int, path: Path) -> None:
    """One file: the initial backlog first (case ``B1``, ``B2``, ... and the node it
    stands at, if the scenario has a backlog), then the new applications in order."""
    municipality = scenario.municipalities[m_key]
    applicants = generate_applicants(scenario, s_key, m_key, replication)
    backlog = generate_backlog(scenario, s_key, m_key, replication)
    with_backlog = has_backlog(scenario)
    columns = list(applicants.attributes)
    parts = (
        [("backlog", backlog), ("identity", applicants)]
        if with_backlog
        else [("identity", applicants)]
    )
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(NOTICE.format(seed=scenario.seed, replication=replication) + "\n")
        writer = csv.writer(handle, lineterminator="\n")
        node_column = ["backlog_node"] if with_backlog else []
        writer.writerow(
            ["case_index", "arrival", "service", "municipality", *node_column, *columns,
             *IDENTITY_COLUMNS]
        )  # fmt: skip
        for purpose, people_of in parts:
            identity_seed = int(
                stream(scenario.seed, replication, purpose, s_key, m_key).integers(2**31)
            )
            people = identities(
                identity_seed,
                len(people_of),
                municipality.postcodes,
                scenario.municipality_name(m_key),
                scenario.period.start,
            )
            values = [people_of.attributes[c].tolist() for c in columns]
            nodes = people_of.nodes.tolist() if isinstance(people_of, Backlog) else None
            for i, minutes in enumerate(people_of.times.tolist()):
                arrival = arrival_datetime(scenario.period.epoch, minutes)
                index = f"B{i + 1}" if nodes is not None else i
                node = [nodes[i] if nodes is not None else ""] if with_backlog else []
                writer.writerow(
                    [
                        index,
                        arrival.isoformat(timespec="seconds"),
                        s_key,
                        m_key,
                        *node,
                        *(column[i] for column in values),
                        *(people[c][i] for c in IDENTITY_COLUMNS),
                    ]
                )
