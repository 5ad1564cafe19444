"""The shipped sample of documented IS incidents, the default input when none is given."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from geo.incidents.load import load_incidents
from geo.incidents.result import LoadResult
from geo.paths import resource

SAMPLE = "samples/incidents_documented.csv"
SAMPLE_NOTE = (
    "shipped sample (samples/incidents_documented.csv): documented IS incidents "
    "around Diyala, Hamrin, Salah al-Din and Kirkuk, 2019-2023, each row citing its "
    "source page; used because no incident file was given. Rows the sources cannot "
    "place have no coordinates and are reported as rejected"
)
SAMPLE_LICENCE = (
    "compiled by disputed-maps contributors from the cited public reports; "
    "MIT like the project (facts paraphrased, no text copied)"
)


def sample_path() -> Path:
    """Return the path of the shipped sample CSV (works from a wheel or a checkout)."""
    return resource(SAMPLE)


def load_sample(**options: Any) -> LoadResult:
    """Load the shipped sample; ``options`` are those of :func:`load_incidents`.

    The first dataset's ``notes`` say that this is the sample and why it was used.
    """
    result = load_incidents(sample_path(), format="csv", **options)
    info = dataclasses.replace(
        result.datasets[0],
        licence=SAMPLE_LICENCE,
        citation="see each row's source_url",
        notes="; ".join(filter(None, [SAMPLE_NOTE, result.datasets[0].notes])),
    )
    return dataclasses.replace(result, datasets=(info,))
