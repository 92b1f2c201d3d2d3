"""Report texts: complete in both languages, same placeholders, numbers the reader's way."""

from __future__ import annotations

import string

import pytest

from zsa_sim.experiment.kpis import KPI_INFO
from zsa_sim.report.i18n import (
    STRINGS,
    amount,
    compact,
    count_municipalities,
    kpi_label,
    percent,
    role_label,
    tr,
    variant_label,
)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_every_text_exists_in_both_languages_with_the_same_placeholders(key: str) -> None:
    de, en = STRINGS[key]
    assert de.strip() and en.strip()
    assert _fields(de) == _fields(en)


def test_unknown_key_fails_loudly() -> None:
    with pytest.raises(KeyError, match=r"no report text for 'nope'"):
        tr("nope", "de")


def test_placeholders_are_filled() -> None:
    assert tr("finding.none", "de", variant="Zentral (ZSA)", kpi="Wartezeit p90") == (
        "Zentral (ZSA): Wartezeit p90 ohne signifikante Änderung"
    )
    assert tr("finding.none", "en", variant="Central (ZSA)", kpi="waiting time p90") == (
        "Central (ZSA): no significant change in waiting time p90"
    )


def test_variant_and_role_names_with_fallbacks() -> None:
    assert variant_label("zentral", "de") == "Zentral (ZSA)"
    assert variant_label("dezentral", "en", short=True) == "decentral"
    assert variant_label("hybrid", "de") == "Hybrid"
    assert variant_label("hybrid", "de", short=True) == "hybrid"
    assert variant_label("ohne_halle", "en") == "Ohne halle"
    assert role_label("tax_clerk", "de") == "Steuersachbearbeitung"
    assert role_label("records_office", "en") == "records office"


def test_kpi_labels_come_from_the_kpi_table() -> None:
    for kpi, info in KPI_INFO.items():
        if kpi.startswith("waiting_time_"):
            continue
        assert kpi_label(kpi, "de") == info.label_de
        assert kpi_label(kpi, "en") == info.label_en
    assert kpi_label("not_a_kpi", "de") == "not_a_kpi"
    # the wait to the first step says so: there are stages of waiting (issue 16)
    assert kpi_label("waiting_time_p90", "de") == "Wartezeit bis 1. Arbeitsschritt p90"
    assert kpi_label("waiting_time_mean", "en") == "wait until first step mean"
    assert kpi_label("caseworker_wait_p90", "de") == "Wartezeit bis Sachbearbeitung p90"


def test_numbers_in_german_and_english_format() -> None:
    assert amount(1234.56, "days", "de") == "1.234,6 Tage"
    assert amount(1234.56, "days", "en") == "1,234.6 days"
    assert amount(12500, "EUR", "de") == "12.500 EUR"
    assert percent(0.853, "de") == "85 %"
    assert percent(0.853, "en") == "85%"
    assert compact(15.0, "de") == "15"
    assert compact(2.5, "de") == "2,5"
    assert compact(0.125, "en") == "0.125"


def test_municipality_counts_agree_in_number() -> None:
    assert count_municipalities(1, "de") == "1 Kommune"
    assert count_municipalities(3, "de") == "3 Kommunen"
    assert count_municipalities(1, "en") == "1 municipality"
    assert count_municipalities(2, "en") == "2 municipalities"
