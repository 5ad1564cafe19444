"""Tests of geo.tomlread: TOML tables read into frozen dataclasses from their fields and types."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import pytest

from geo import tomlread
from geo.errors import SpecError


@dataclass(frozen=True)
class Item:
    label: str
    weight: float = 1.0


@dataclass(frozen=True)
class Named:
    key: str
    colour: Literal["red", "blue"]
    owner: str = field(metadata=tomlread.option(parent="title"))


@dataclass(frozen=True)
class Window:
    start: dt.date | None = None
    end: dt.date | None = None

    def toml_problems(self, name: Callable[[str], str]) -> Iterator[tuple[str, str]]:
        if self.start and self.end and self.start > self.end:
            yield f"{name('start')} is after {name('end')}", "swap them"


@dataclass(frozen=True)
class Doc:
    title: str
    count: int
    flag: bool = False
    kind: Literal["a", "b"] = "a"
    tags: tuple[str, ...] = ()
    box: tuple[float, float] | None = None
    window: Window = field(default_factory=Window)
    items: tuple[Item, ...] = field(default=(), metadata=tomlread.option(key="item"))
    named: tuple[Named, ...] = field(default=(), metadata=tomlread.option(keyed=True))
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = field(
        default=(),
        metadata=tomlread.option(
            read_as=dict[str, str | tuple[str, ...]],
            convert=lambda m: tuple((k, (v,) if isinstance(v, str) else v) for k, v in m.items()),
        ),
    )
    source: str = ""


GOOD = """
title = "T"
count = 3
flag = true
kind = "b"
tags = ["x", "y"]
box = [1, 2.5]
aliases = { code = "PCODE", name = ["NAME_EN", "NAME"] }

[window]
start = 2021-01-01

[[item]]
label = "first"
weight = 2

[[item]]
label = "second"

[named.one]
colour = "red"
"""


def read(text: str, **given: object) -> tuple[Doc | None, list[tomlread.Problem]]:
    problems: list[tomlread.Problem] = []
    doc = tomlread.read(Doc, tomllib.loads(text), problems=problems, given=given)
    return doc, problems


def test_a_good_table_becomes_the_dataclass():
    doc, problems = read(GOOD, source="good.toml")
    assert problems == []
    assert doc == Doc(
        title="T",
        count=3,
        flag=True,
        kind="b",
        tags=("x", "y"),
        box=(1.0, 2.5),
        window=Window(start=dt.date(2021, 1, 1)),
        items=(Item("first", 2.0), Item("second", 1.0)),
        named=(Named(key="one", colour="red", owner="T"),),
        aliases=(("code", ("PCODE",)), ("name", ("NAME_EN", "NAME"))),
        source="good.toml",
    )
    assert isinstance(doc.box[0], float) and isinstance(doc.items[0].weight, float)


def test_defaults_fill_what_the_table_leaves_out():
    doc, problems = read('title = "T"\ncount = 0\n')
    assert problems == [] and doc == Doc(title="T", count=0)


def test_every_problem_is_collected_with_where_it_is():
    text = """
title = 3
flag = 1
kind = "c"
tags = ["x", 7]
box = [1, 2, 3]
colour = "red"
aliases = { code = 5 }

[window]
start = "2021-01-01"

[[item]]
weight = "heavy"

[named.one]
colour = "green"
"""
    doc, problems = read(text)
    assert doc is None
    messages = [p.message for p in problems]
    assert messages == [
        "unknown key 'colour' (allowed keys: aliases, box, count, flag, item, kind, named, source, "
        "tags, title, window)",
        "key 'title' should be a string, got int 3",
        "missing required key 'count'",
        "key 'flag' should be true or false, got int 1",
        "kind = 'c' is not one of a, b",
        "key 'tags' item 2 should be a string, got int 7",
        "key 'box' should be a list of 2 numbers, got list [1, 2, 3]",
        "key window.'start' should be a date such as 2021-01-31, got str '2021-01-01'",
        "[[item]] #1: missing required key 'label'",
        "[[item]] #1: key 'weight' should be a number, got str 'heavy'",
        "[named.one]: colour = 'green' is not one of red, blue",
        "key aliases.'code' should be a string or a list of strings, got int 5",
    ]
    assert all(p.hint for p in problems)


def test_bools_are_not_integers_and_datetimes_are_not_dates():
    _, problems = read('title = "T"\ncount = true\n[window]\nend = 2021-01-01T10:00:00\n')
    assert [p.message for p in problems] == [
        "key 'count' should be an integer, got bool True",
        "key window.'end' should be a date such as 2021-01-31, "
        "got datetime datetime.datetime(2021, 1, 1, 10, 0)",
    ]


def test_given_fields_cannot_come_from_the_table():
    _, problems = read('title = "T"\ncount = 1\nsource = "x"\n', source="s.toml")
    assert problems[0].message.startswith("unknown key 'source'")


def test_a_dataclass_check_runs_after_the_types_pass():
    _, problems = read('title = "T"\ncount = 1\n[window]\nstart = 2022-01-01\nend = 2021-01-01\n')
    assert [(p.message, p.hint) for p in problems] == [
        ("window.start is after window.end", "swap them")
    ]


def test_raise_problems_raises_once_naming_the_file():
    tomlread.raise_problems([], source="f.toml", error=SpecError, hint="h")
    _, problems = read("title = 3\n")
    with pytest.raises(SpecError) as info:
        tomlread.raise_problems(problems, source="f.toml", error=SpecError, hint="h")
    line = info.value.one_line()
    assert line.startswith("f.toml has 2 problem(s): key 'title' should be a string")
    assert "missing required key 'count'" in line and "\n" not in line
    assert "fix the value in the TOML file; add it to the file" in line


def test_an_unsupported_type_is_a_bug_not_a_user_error():
    @dataclass(frozen=True)
    class Odd:
        value: complex

    with pytest.raises((TypeError, NameError)):
        tomlread.read(Odd, {"value": 1}, problems=[])
