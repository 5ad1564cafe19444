"""Arrow's fast CSV parse of one-record-per-line text, shared by the loader and the prefetch.

:mod:`geo.incidents.rawcsv` decides when this parse may be trusted (one record
per line, no ragged row) and falls back to a quote-aware parse otherwise;
:mod:`geo.prefetch` runs the same parse early, while the command is starting,
and the loader uses its table only where it would have made the same call.
Only pyarrow and the standard library are imported here.
"""

from __future__ import annotations

import csv
import mmap
from collections.abc import Sequence
from typing import TypeAlias

import pyarrow as pa
import pyarrow.csv as pacsv

#: File content as the loader holds it (see ``geo.incidents.encoding.Content``).
Bytes: TypeAlias = bytes | mmap.mmap | memoryview


def first_names(data: Bytes, *, chunk: int = 1 << 16) -> list[str]:
    """Return the column names of the first line of UTF-8 CSV bytes, stripped.

    Raises
    ------
    UnicodeDecodeError
        When the first line is not UTF-8.
    """
    first = bytes(data)
    for stop in range(chunk, len(data) + chunk, chunk):
        end = bytes(data[stop - chunk : stop]).find(b"\n")
        if end >= 0:
            first = bytes(data[: stop - chunk + end])
            break
    line = first.decode("utf-8").rstrip("\r")
    return [n.strip() for n in next(csv.reader([line]), [])]


def block_size(size: int) -> int:
    """Return Arrow's CSV block size for a file of ``size`` bytes: eight blocks, 1-4 MiB each.

    Each block becomes one chunk of every column. Eight keep both cores busy while
    parsing a small file; blocks of at most 4 MiB keep a large one in the CPU's
    caches (a 436 MB file parsed in 1.1-1.4 s instead of 2.0 s with 52 MiB blocks,
    and loaded 0.4 s faster in all, later work included). Not much smaller: filtering
    a million rows split into 400 chunks of 1 MiB took six times longer than the
    same rows in 8 chunks.
    """
    return min(max(size // 8, 1 << 20), 1 << 22)


def parse_lines(
    data: Bytes, names: Sequence[str], *, include: Sequence[str] | None = None
) -> pa.Table:
    """Parse the records after the header as text, splitting at every newline.

    Parameters
    ----------
    data
        UTF-8 CSV bytes whose first line is the header.
    names
        The header's column names.
    include
        The columns to convert, in this order (None: all).

    Raises
    ------
    pyarrow.ArrowInvalid
        On a ragged row or invalid UTF-8 in a converted column.
    """
    return pacsv.read_csv(
        pa.BufferReader(data),
        read_options=pacsv.ReadOptions(
            use_threads=True,
            skip_rows=1,
            column_names=list(names),
            block_size=block_size(len(data)),
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),
            include_columns=list(include or []),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
