"""Event roles on the map: one layer, shape and legend entry per role, and who-did-what text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.incidents.filters import is_rule_for
from geo.render.legend import Legend, LegendItem, Swatch
from geo.render.packing import strings
from geo.types import ROLES

#: Role layers in drawing and legend order; ``unknown`` is for tables without a role.
ROLE_KEYS: tuple[str, ...] = (*ROLES, "unknown")
#: Each role's layer name in the layer control.
ROLE_LAYERS: dict[str, str] = {
    "is_attack": "IS attacks",
    "against_is": "Operations against IS",
    "clash": "Clashes involving IS",
    "none": "Other events (IS not involved)",
    "unknown": "Events (role not recorded)",
}
#: Each role's marker shape (shape, not colour alone, tells the roles apart).
ROLE_SHAPES: dict[str, Swatch] = {
    "is_attack": "triangle",
    "against_is": "square",
    "clash": "diamond",
    "none": "circle",
    "unknown": "circle",
}
ROLE_NOTE = (
    "Shape gives the role: triangle = IS attack (IS the perpetrator), square = operation "
    "against IS (IS the target), diamond = clash (the data does not say who started it); "
    "colour gives the class above. Each role is its own layer."
)


def role_codes(events: pd.DataFrame) -> np.ndarray:
    """Return each event's index into :data:`ROLE_KEYS` (``unknown`` without a role)."""
    values = strings(events.get("role"), len(events))
    lookup = {key: k for k, key in enumerate(ROLE_KEYS)}
    return values.map(lookup).fillna(len(ROLE_KEYS) - 1).to_numpy(dtype=np.int64)


def _headline(role: str, actor1: str, actor2: str, kind: str) -> str:
    """Return who did what to whom, in words, for one event."""
    is1, is2 = bool(is_rule_for(actor1)), bool(is_rule_for(actor2))
    other = actor2 if is1 and not is2 else actor1 if is2 and not is1 else ""
    if not (is1 or is2):  # a stated role without an actor naming IS
        other = actor2 if role == "is_attack" else actor1
    if role == "is_attack":
        return f"IS attack on {other}" if other else "IS attack"
    if role == "against_is":
        return f"Operation by {other} against IS" if other else "Operation against IS"
    if role == "clash":
        return f"Clash between IS and {other}" if other else "Clash involving IS"
    return kind


def headlines(events: pd.DataFrame) -> pd.Series:
    """Return each event's headline ("IS attack on …", "Operation by … against IS" …).

    Computed once per distinct (role, actor1, actor2, event type); shown as text only.
    """
    n = len(events)
    parts = pd.DataFrame(
        {
            c: strings(events.get(c), n).to_numpy()
            for c in ("role", "actor1", "actor2", "event_type")
        }
    )
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(parts))
    texts = [_headline(*(str(v).strip() for v in u)) for u in uniques]
    return pd.Series(np.asarray(texts, dtype=object)[codes] if n else [], dtype=object)


def role_legend(per_role: np.ndarray) -> Legend:
    """Return the legend of the role layers: one shape per role, with counts."""
    items = tuple(
        LegendItem(label=ROLE_LAYERS[k], color="#333333", shape=ROLE_SHAPES[k], count=int(c))
        for k, c in zip(ROLE_KEYS, per_role, strict=True)
        if c
    )
    return Legend(title="Events by role", items=items, note=ROLE_NOTE)


def role_blob() -> list[dict[str, str]]:
    """Return the roles as the page script reads them (key, layer name, shape)."""
    return [{"key": k, "label": ROLE_LAYERS[k], "shape": ROLE_SHAPES[k]} for k in ROLE_KEYS]
