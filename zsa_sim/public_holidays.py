"""Public holidays of the German states, without importing the ``holidays`` package.

Every scenario calendar names a state whose public holidays close the offices. The
``holidays`` package knows them, but importing it loads its registry of some 250
countries (about 300 modules, ~0.14 s of CPU), which was a fifth of ``zsa-sim validate
SCENARIO`` (issue 19: start-up under 0.5 s). The German rules are few and fixed by
state law, so they are written out here, exactly as ``holidays`` (0.109) states them for
the category "public" (the default; "catholic" days such as Fronleichnam in parts of
Saxony and Thuringia are not public holidays of the whole state and are left out
there too). ``tests/test_public_holidays.py`` compares every state and every year
from 1985 to 2100 with the package, so an update of the package that adds a holiday
(a new state law, an anniversary) fails that test until the rule is added here.

Years before 1991 (reunification) have no holidays, as in the package.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

#: State codes a calendar may name (as ``holidays.Germany.subdivisions``), plus the city
#: of Augsburg (Bavaria with 15 August and the Augsburger Hohes Friedensfest).
STATES: tuple[str, ...] = (
    "BB",
    "BE",
    "BW",
    "BY",
    "HB",
    "HE",
    "HH",
    "MV",
    "NI",
    "NW",
    "RP",
    "SH",
    "SL",
    "SN",
    "ST",
    "TH",
    "Augsburg",
)

#: The first year with holidays: German reunification was completed on 3 October 1990.
FIRST_YEAR = 1991

#: (month, day) of the fixed holidays by name.
_FIXED = {
    "epiphany": (1, 6),
    "womens_day": (3, 8),
    "augsburg_peace": (8, 8),
    "assumption": (8, 15),
    "childrens_day": (9, 20),
    "reformation": (10, 31),
    "all_saints": (11, 1),
}
#: Days after Easter Sunday of the movable holidays by name.
_EASTER = {
    "easter_sunday": 0,
    "whit_sunday": 49,
    "corpus_christi": 60,
}
#: The holidays of each state beyond the nation-wide ones: (name, first year or None).
_STATE_RULES: dict[str, tuple[tuple[str, int | None], ...]] = {
    "BB": (("easter_sunday", None), ("whit_sunday", None), ("reformation", None)),
    "BE": (("womens_day", 2019),),
    "BW": (("epiphany", None), ("corpus_christi", None), ("all_saints", None)),
    "BY": (("epiphany", None), ("corpus_christi", None), ("all_saints", None)),
    "HB": (("reformation", 2018),),
    "HE": (("corpus_christi", None),),
    "HH": (("reformation", 2018),),
    "MV": (("womens_day", 2023), ("reformation", None)),
    "NI": (("reformation", 2018),),
    "NW": (("corpus_christi", None), ("all_saints", None)),
    "RP": (("corpus_christi", None), ("all_saints", None)),
    "SH": (("reformation", 2018),),
    "SL": (("corpus_christi", None), ("assumption", None), ("all_saints", None)),
    "SN": (("reformation", None), ("repentance", 1995)),
    "ST": (("epiphany", None), ("reformation", None)),
    "TH": (("childrens_day", 2019), ("reformation", None)),
    "Augsburg": (
        ("epiphany", None),
        ("corpus_christi", None),
        ("all_saints", None),
        ("assumption", None),
        ("augsburg_peace", None),
    ),
}
#: One-off holidays: the 500th Reformation Day everywhere; Berlin's anniversaries of
#: 8 May 1945 (2020, 2025) and of 17 June 1953 (2028).
_SPECIAL: dict[str | None, tuple[date, ...]] = {
    None: (date(2017, 10, 31),),
    "BE": (date(2020, 5, 8), date(2025, 5, 8), date(2028, 6, 17)),
}


def easter_sunday(year: int) -> date:
    """Western Easter Sunday of ``year`` (the anonymous Gregorian computus)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _repentance_day(year: int) -> date:
    """Buß- und Bettag: the Wednesday on or before 22 November."""
    nov22 = date(year, 11, 22)
    return nov22 - timedelta(days=(nov22.weekday() - 2) % 7)


@lru_cache(maxsize=512)
def holidays_of_year(state: str | None, year: int) -> frozenset[date]:
    """The public holidays of a state (``None``: the nation-wide ones) in one year."""
    if state is not None and state not in _STATE_RULES:
        raise ValueError(f"unknown German state {state!r} (known: {', '.join(STATES)})")
    if year < FIRST_YEAR:
        return frozenset()
    easter = easter_sunday(year)
    days = {
        date(year, 1, 1),
        easter - timedelta(days=2),  # Karfreitag
        easter + timedelta(days=1),  # Ostermontag
        date(year, 5, 1),
        easter + timedelta(days=39),  # Christi Himmelfahrt
        easter + timedelta(days=50),  # Pfingstmontag
        date(year, 10, 3),
        date(year, 12, 25),
        date(year, 12, 26),
    }
    if year <= 1994:
        days.add(_repentance_day(year))
    for name, since in _STATE_RULES.get(state, ()) if state is not None else ():
        if since is not None and year < since:
            continue
        if name == "repentance":
            days.add(_repentance_day(year))
        elif name in _EASTER:
            days.add(easter + timedelta(days=_EASTER[name]))
        else:
            days.add(date(year, *_FIXED[name]))
    for key in (None, state):
        days.update(d for d in _SPECIAL.get(key, ()) if d.year == year)
    return frozenset(days)


def public_holidays(state: str | None, first: date, last: date) -> frozenset[date]:
    """The public holidays of ``state`` from ``first`` to ``last`` inclusive."""
    out: set[date] = set()
    for year in range(first.year, last.year + 1):
        out.update(d for d in holidays_of_year(state, year) if first <= d <= last)
    return frozenset(out)
