"""Chart titles that state the finding, computed from the paired comparison.

A decision-maker reads the title first and often only the title, so it must say what the
chart shows in one sentence: "Zentral (ZSA): Wartezeit p90 in Dessau-Roßlau 1,6 Tage
kürzer". Only *significant* changes (the paired 95 % interval excludes 0) are called
shorter or longer; otherwise the title says there was no significant change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from zsa_sim.experiment.comparison import Comparison
from zsa_sim.experiment.formatting import Lang
from zsa_sim.experiment.kpis import KPI_INFO
from zsa_sim.report.i18n import amount, count_municipalities, kpi_label, tr, variant_label


def _direction_words(unit: str, lang: Lang) -> tuple[str, str]:
    """(word for down, word for up): "kürzer"/"länger" for times, else lower/higher."""
    if unit in ("days", "working_days"):
        return tr("finding.shorter", lang), tr("finding.longer", lang)
    return tr("finding.lower", lang), tr("finding.higher", lang)


def comparison_finding(
    kpi_id: str,
    rows: Sequence[Comparison],
    lang: Lang = "de",
    name: Callable[[str], str] = str,
) -> str:
    """One sentence on how a KPI changed across municipalities (rows of one KPI).

    Picks the municipality with the largest significant change; says how many
    municipalities improved and how many got worse. ``name`` turns a municipality key
    into the name shown.
    """
    rows = [r for r in rows if r.n >= 2]
    if not rows:
        return tr("finding.no_data", lang, kpi=kpi_label(kpi_id, lang))
    first = rows[0]
    kpi = kpi_label(first.kpi, lang)
    variant = variant_label(first.treatment, lang)
    down_word, up_word = _direction_words(first.unit, lang)
    significant = [r for r in rows if r.significant]
    if not significant:
        return tr("finding.none", lang, variant=variant, kpi=kpi)
    better_lower = KPI_INFO[first.kpi].better != "higher" if first.kpi in KPI_INFO else True
    improved = [r for r in significant if (r.difference < 0) == better_lower]
    worsened = [r for r in significant if r not in improved]

    def size(r: Comparison) -> str:
        return amount(abs(r.difference), r.unit, lang, difference=True)

    def direction(r: Comparison) -> str:
        return down_word if r.difference < 0 else up_word

    biggest = max(significant, key=lambda r: abs(r.difference))
    if len(significant) == 1:
        return tr(
            "finding.one",
            lang,
            variant=variant,
            kpi=kpi,
            municipality=name(biggest.municipality),
            size=size(biggest),
            direction=direction(biggest),
        )
    if not worsened or not improved:
        group = improved or worsened
        top = max(group, key=lambda r: abs(r.difference))
        return tr(
            "finding.many",
            lang,
            variant=variant,
            kpi=kpi,
            count=len(group),
            total=len(rows),
            direction=direction(top),
            municipality=name(top.municipality),
            size=size(top),
        )
    top = max(improved, key=lambda r: abs(r.difference))
    good = direction(top)
    bad = up_word if good == down_word else down_word
    others = len(improved) - 1
    if others == 0:
        more = ""
    elif others == 1:
        more = tr("finding.others.one", lang)
    else:
        more = tr("finding.others.many", lang, n=others)
    return tr(
        "finding.mixed",
        lang,
        variant=variant,
        kpi=kpi,
        others=more,
        worse=count_municipalities(len(worsened), lang),
        good=good,
        bad=bad,
        municipality=name(top.municipality),
        size=size(top),
    )
