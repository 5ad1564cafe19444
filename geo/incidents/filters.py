"""Filter canonical events by date range, event type, role and Islamic State involvement.

An actor *names the group* when one of these rules matches it, after every
phrase naming an actor set up *against* the group has been taken out of the
name (:data:`ANTI_IS`: "Global Coalition Against Daesh", "Anti-IS …",
"Counter-ISIS …", "Coalition to Defeat ISIS", "التحالف الدولي ضد داعش"), so
such an actor alone never makes an event IS-related. ``actor1`` is tried
first, then ``actor2``; the first rule that matches is recorded in
``is_match_rule``:

============== ===================================================================
rule           matches
============== ===================================================================
islamic-state  "Islamic State" anywhere, any case ("Islamic State (Iraq)",
               "Islamic State of Iraq and the Levant"); Arabic الدولة الإسلامية
isis           the word ISIS, any case
isil           the word ISIL, any case
daesh          Daesh / Da'esh / Daish, any case; Arabic داعش
ucdp-IS        the whole actor is exactly ``IS`` (UCDP GED's name for the group)
is-abbrev      ``IS`` as a separate upper-case token ("IS (claimed)", "IS-affiliated
               cell"); upper case only, so the English word "is", "This" and
               "Islamic Republic" never match
============== ===================================================================
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import InputError
from geo.incidents.roles import ROLES
from geo.incidents.validate import from_codes, per_unique

IS_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("islamic-state", re.compile(r"\bislamic\s+state\b|الدولة\s+الإسلامية", re.IGNORECASE)),
    ("isis", re.compile(r"\bisis\b", re.IGNORECASE)),
    ("isil", re.compile(r"\bisil\b", re.IGNORECASE)),
    ("daesh", re.compile(r"\b(?:daesh|da['’]esh|daish|da['’]ish)\b|داعش", re.IGNORECASE)),
    ("ucdp-IS", re.compile(r"IS")),
    ("is-abbrev", re.compile(r"(?<![\w'’])IS(?![\w'’])")),
)

_GROUP = r"(?:islamic\s+state|isis|isil|daesh|da['’]esh|daish|da['’]ish|is)\b"
#: Phrases naming an actor set up against the group; taken out before matching.
ANTI_IS: re.Pattern[str] = re.compile(
    r"\b(?:against|anti|counter|defeat(?:ing)?|fight(?:ing)?|combat(?:ing)?)"
    r"[\s\-‐–]*(?:the\s+)?" + _GROUP + r"|(?:ضد|لمحاربة|محاربة|لمكافحة|مكافحة)\s*"
    r"(?:تنظيم\s*)?(?:داعش|الدولة\s+الإسلامية)",
    re.IGNORECASE,
)


def is_rule_for(actor: str) -> str:
    """Return the name of the first IS rule matching one actor name, or ``""``.

    Phrases matching :data:`ANTI_IS` are removed first, so "Global Coalition
    Against Daesh" names no IS actor.
    """
    actor = ANTI_IS.sub(" ", actor).strip()
    for name, pattern in IS_RULES:
        if pattern.fullmatch(actor) if name == "ucdp-IS" else pattern.search(actor):
            return name
    return ""


def is_sides(actor1: pd.Series, actor2: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Return the matched IS rule per row and whether each actor names IS.

    Returns
    -------
    rule : pandas.Series
        The rule that matched (``actor1`` first, then ``actor2``), ``""`` when none.
    is1, is2 : numpy.ndarray
        Whether ``actor1`` / ``actor2`` names IS.
    """
    names = ["", *(name for name, _ in IS_RULES)]
    codes1, rules1 = per_unique(actor1, lambda a: names.index(is_rule_for(a.strip())))
    codes2, rules2 = per_unique(actor2, lambda a: names.index(is_rule_for(a.strip())))
    first = np.asarray(rules1, dtype=np.int64)[codes1] if rules1 else np.zeros(0, np.int64)
    second = np.asarray(rules2, dtype=np.int64)[codes2] if rules2 else np.zeros(0, np.int64)
    return from_codes(np.where(first > 0, first, second), names), first > 0, second > 0


def is_rules(actor1: pd.Series, actor2: pd.Series) -> pd.Series:
    """Return the matched IS rule per row (``actor1`` first, then ``actor2``)."""
    return is_sides(actor1, actor2)[0]


def _as_datetime(value: Any, name: str) -> np.datetime64:
    if isinstance(value, datetime | date):
        return np.datetime64(value.isoformat()[:10], "s")
    try:
        return np.datetime64(date.fromisoformat(str(value)), "s")
    except ValueError as exc:
        raise InputError(f"{name} {value!r} is not a date", hint="use YYYY-MM-DD") from exc


def filter_mask(
    events: pd.DataFrame,
    *,
    date_from: Any = None,
    date_to: Any = None,
    event_types: Sequence[str] | None = None,
    is_only: bool = False,
    roles: Sequence[str] | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Return which events pass the filters, and a record of the filters applied.

    Parameters
    ----------
    events
        Canonical events with ``date``, ``event_type`` and ``role``.
    date_from, date_to
        Inclusive bounds on ``date`` (a :class:`datetime.date` or ``YYYY-MM-DD``).
    event_types
        Keep only these event types (compared without case).
    is_only
        Keep only IS-involved events (``role`` other than ``none``).
    roles
        Keep only events with one of these roles (``is_attack``, ``against_is``,
        ``clash``, ``none``); with ``is_only`` both must hold.

    Returns
    -------
    keep : numpy.ndarray
        Boolean mask over ``events``.
    applied : dict
        The filters that were applied, for reports and map captions.
    """
    keep = np.ones(len(events), dtype=bool)
    applied: dict[str, Any] = {}
    dates = events["date"].to_numpy(dtype="datetime64[s]")
    if date_from is not None:
        bound = _as_datetime(date_from, "date_from")
        keep &= dates >= bound
        applied["date_from"] = str(bound.astype("datetime64[D]"))
    if date_to is not None:
        bound = _as_datetime(date_to, "date_to")
        keep &= dates <= bound
        applied["date_to"] = str(bound.astype("datetime64[D]"))
    if event_types:
        wanted = {t.strip().lower() for t in event_types}
        keep &= events["event_type"].str.strip().str.lower().isin(wanted).to_numpy()
        applied["event_types"] = sorted(event_types)
    if is_only:
        keep &= (events["role"] != "none").to_numpy()
        applied["is_only"] = True
    if roles:
        keep &= events["role"].isin(list(roles)).to_numpy()
        applied["roles"] = [r for r in ROLES if r in roles]
    return keep, applied
