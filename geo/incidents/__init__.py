"""Incident ingestion: readers, validation and filters for the canonical events table.

Public API: :func:`load_incidents`, :func:`write_rejections`, :class:`LoadResult`,
:class:`DatasetInfo`, :func:`sample_path`, :func:`load_sample`; the synthetic
generator lives in :mod:`geo.incidents.synth`.
"""

from __future__ import annotations

from geo.incidents.load import load_incidents, write_rejections
from geo.incidents.result import DatasetInfo, Format, LoadResult
from geo.incidents.sample import load_sample, sample_path

__all__ = [
    "DatasetInfo",
    "Format",
    "LoadResult",
    "load_incidents",
    "load_sample",
    "sample_path",
    "write_rejections",
]
