"""Give every canonical event its role with respect to IS, by stated rules per source.

Roles (:data:`ROLES`)
---------------------
``is_attack``
    IS is the perpetrator.
``against_is``
    An operation, strike or arrest with IS as the target.
``clash``
    IS fought another armed actor and the data does not say who started it.
``none``
    IS is not involved (no actor names the group).

An actor *names the group* when :func:`geo.incidents.filters.is_rule_for`
matches it; an actor named against the group ("Global Coalition Against
Daesh") does not, so it never makes an event IS-related on its own.

Rules per source
----------------
ACLED (``actor1`` is the perpetrator for "Violence against civilians", most
"Explosions/Remote violence" and "Strategic developments"; for "Battles"
the order of the actors does not say who attacked):

1. no actor names IS → ``none``;
2. ``event_type`` "Battles" → ``clash``;
3. ``actor1`` names IS → ``is_attack``;
4. only ``actor2`` names IS (air/drone strikes, shelling, arrests,
   disrupted weapons use, …) → ``against_is``.

UCDP GED (``side_a`` is the government in state-based conflict and the
perpetrator in one-sided violence; GED does not code who started a
state-based or non-state event):

1. no side names IS → ``none``;
2. ``type_of_violence`` 3 (one-sided violence) with IS as ``side_a`` →
   ``is_attack``;
3. any other event with IS on either side (types 1 and 2) → ``clash``.

Plain CSV, GeoJSON and GeoPackage:

1. a ``role`` column, where it is filled, is taken as stated (one of
   :data:`ROLES`; anything else rejects the row, naming file, line and field);
2. otherwise the actor columns: no actor names IS → ``none``; an
   ``event_type`` that says battle, clash or fighting → ``clash``; ``actor1``
   names IS → ``is_attack``; only ``actor2`` names IS → ``against_is``;
3. a file with neither a role nor actor columns gives every row ``none``
   (nothing in it says IS was involved).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from geo.errors import InputError
from geo.incidents.validate import from_codes, per_unique
from geo.types import ROLES, Role

__all__ = ["IS_ROLES", "ROLES", "ROLE_LABELS", "ROLE_OPTIONS", "Role", "derive_roles"]

#: The roles of IS-involved events (every role but ``none``).
IS_ROLES: tuple[Role, ...] = ("is_attack", "against_is", "clash")
#: The short names the ``--role`` option takes, and the roles they stand for.
ROLE_OPTIONS: dict[str, Role] = {
    "attack": "is_attack",
    "against": "against_is",
    "clash": "clash",
    "none": "none",
}
#: What each role is called on maps and in legends.
ROLE_LABELS: dict[str, str] = {
    "is_attack": "IS attack",
    "against_is": "Operation against IS",
    "clash": "Clash involving IS",
    "none": "IS not involved",
}

_BATTLE = re.compile(r"\b(?:battles?|clash(?:es)?|fighting|armed\s+clash)\b", re.IGNORECASE)


def parse_roles(values: str | Iterable[str] | None) -> tuple[Role, ...]:
    """Return the roles a ``--role`` value asks for (``attack,against,clash,none``).

    The canonical names (``is_attack`` …) are accepted too; empty means none given.

    Raises
    ------
    InputError
        When a name is not one of the choices.
    """
    if values is None:
        return ()
    items = values.split(",") if isinstance(values, str) else list(values)
    out: list[Role] = []
    for item in (i.strip().lower() for i in items):
        if not item:
            continue
        role = ROLE_OPTIONS.get(item) or (item if item in ROLES else None)
        if role is None:
            raise InputError(
                f"--role {item!r} is not one of {', '.join(ROLE_OPTIONS)}",
                hint="e.g. --role attack,against",
            )
        if role not in out:
            out.append(role)
    return tuple(out)


def _fmt(dataset: str) -> str:
    """Return the reader name from a ``dataset`` label such as ``"a.csv (acled)"``."""
    return dataset.rsplit(" (", 1)[-1].rstrip(")") if dataset.endswith(")") else "csv"


_ACLED_BATTLES, _ONE_SIDED, _CLASH = 1, 2, 4


def _type_kind(event_type: str) -> int:
    """Return the tests one event type passes, as bits (ACLED battles, one-sided, a clash)."""
    value = event_type.strip()
    return (
        _ACLED_BATTLES * (value.lower() == "battles")
        + _ONE_SIDED * (value == "one-sided violence")
        + _CLASH * bool(_BATTLE.search(value))
    )


def derive_roles(
    *,
    is1: np.ndarray,
    is2: np.ndarray,
    event_type: pd.Series,
    stated: pd.Series,
    dataset: pd.Series,
) -> pd.Series:
    """Return each event's role by the rules of its source (see the module docstring).

    Parameters
    ----------
    is1, is2
        Whether ``actor1`` / ``actor2`` names IS (boolean arrays).
    event_type
        Canonical ``event_type`` (UCDP: "one-sided violence" for type 3).
    stated
        A role the row states (plain CSV/vector ``role`` column), ``""`` where none.
    dataset
        Each row's ``dataset`` label; its reader picks the rules.

    Returns
    -------
    pandas.Series
        One of :data:`ROLES` per row.
    """
    n = len(is1)
    codes, labels = pd.factorize(dataset.astype(str), use_na_sentinel=False)
    fmt = np.asarray([_fmt(label) for label in labels], dtype=object)[codes] if n else np.zeros(0)
    # the event type's three tests, once per distinct type (a million rows hold a few dozen)
    codes_t, kinds = per_unique(event_type.fillna("").astype(str), _type_kind)
    kind = np.asarray(kinds, dtype=np.int64)[codes_t] if n else np.zeros(0, np.int64)
    involved = is1 | is2
    role = np.full(n, 3, dtype=np.int64)  # index into ROLES: none
    acled = fmt == "acled"
    ucdp = fmt == "ucdp"
    plain = ~(acled | ucdp)

    battles = (kind & _ACLED_BATTLES) > 0
    role[acled & involved & battles] = 2
    role[acled & involved & ~battles & is1] = 0
    role[acled & involved & ~battles & ~is1] = 1

    one_sided = (kind & _ONE_SIDED) > 0
    role[ucdp & involved] = 2
    role[ucdp & one_sided & is1] = 0

    clash = (kind & _CLASH) > 0
    role[plain & involved & clash] = 2
    role[plain & involved & ~clash & is1] = 0
    role[plain & involved & ~clash & ~is1] = 1
    out = from_codes(role, list(ROLES))
    given = stated.fillna("").astype(str).to_numpy() != ""
    if given.any():
        out = out.where(~given, stated)
    return out


def role_mask(roles: pd.Series, wanted: Sequence[str]) -> np.ndarray:
    """Return which events have one of the ``wanted`` roles."""
    return roles.isin(list(wanted)).to_numpy()
