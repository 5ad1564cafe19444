"""One TOML reader: a parsed TOML table becomes a frozen dataclass, driven by its fields and types.

Every file the project reads from TOML (map specs, the boundary catalog, the disputed
and Hamrin definitions) goes through :func:`read`. The dataclass says what the table may
hold: each field is a key; a field without a default is required; the field's type says
what the value must be. Supported types: ``str``, ``bool``, ``int``, ``float`` (an
integer is accepted and converted), ``datetime.date``, ``Literal[...]`` choices,
``X | None``, unions of these, ``tuple[X, ...]`` and fixed ``tuple[X, Y]`` (from TOML
arrays), ``dict[str, X]`` and nested dataclasses (from TOML tables), and ``Any``.

A field's metadata (made with :func:`option`) can rename its TOML key, read a tuple
of records from a table of named tables (each name filling the record's ``key``), take
its value from the enclosing record, or read the value as another type and convert it.
A dataclass may define ``toml_problems(self, name)`` to check what types cannot say
(ranges, cross-references); ``name(key)`` renders a key for the messages.

Like osmnx's ``_validate``, reading collects every problem (unknown key, missing key,
wrong type, value outside its choices, failed check), each naming where it is, and
:func:`raise_problems` raises once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NoReturn, TypeVar, Union, get_args, get_origin

from geo.errors import GeoError

T = TypeVar("T")

_META = "toml"


@dataclass(frozen=True)
class Option:
    """How one dataclass field is read (see :func:`option`)."""

    key: str | None = None
    keyed: bool = False
    parent: str | None = None
    read_as: Any = None
    convert: Callable[[Any], Any] | None = None


def option(
    *,
    key: str | None = None,
    keyed: bool = False,
    parent: str | None = None,
    read_as: Any = None,
    convert: Callable[[Any], Any] | None = None,
) -> dict[str, Option]:
    """Return field metadata telling :func:`read` how to read one field.

    Parameters
    ----------
    key
        The TOML key, when it differs from the field name (``member`` for ``members``).
    keyed
        The field is a ``tuple`` of records read from a table of named tables; each
        table's name fills the record's ``key`` field.
    parent
        The field is not read from the table but copied from this field of the
        enclosing record (e.g. a layer's ``source`` from its source's ``key``).
    read_as
        Check the TOML value against this type instead of the field's own.
    convert
        Turn the checked value into the field's value.
    """
    return {_META: Option(key, keyed, parent, read_as, convert)}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a TOML file: the message (naming where) and what to do."""

    message: str
    hint: str = ""


@dataclass(frozen=True)
class _Where:
    """Where a value is: the enclosing table's header and the dotted path inside it."""

    header: str = ""
    path: tuple[str, ...] = ()
    dotted: tuple[str, ...] = ()

    def prefix(self) -> str:
        """Return the header as a message prefix (``"[krg]: "``), or nothing at the top."""
        return f"{self.header}: " if self.header else ""

    def key(self, key: str) -> str:
        """Return ``key`` as the messages name it, e.g. ``filters.'is_only'``."""
        return "".join(f"{d}." for d in self.dotted) + repr(key)

    def plain(self, key: str) -> str:
        """Return ``key`` without quotes, e.g. ``events.mode``."""
        return ".".join((*self.dotted, key))

    def inner(self, key: str) -> _Where:
        """Return the place of the sub-table ``key`` (named with dots: ``filters.``)."""
        return _Where(self.header, self.path, (*self.dotted, key))

    def table(self, key: str, name: str) -> _Where:
        """Return the place of the named table ``[key.name]``."""
        path = (*self.path, *self.dotted, key, name)
        return _Where(f"[{'.'.join(path)}]", path)

    def item(self, key: str, index: int) -> _Where:
        """Return the place of item ``index`` of the array of tables ``[[key]]``."""
        path = (*self.path, *self.dotted, key)
        return _Where(f"[[{'.'.join(path)}]] #{index + 1}", path)


class _Bad(Exception):
    """A value that cannot be read (internal to the reader; the problem is recorded)."""


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _describe(tp: Any) -> str:
    """Return what a value of type ``tp`` looks like in TOML, for the messages."""
    origin, args = get_origin(tp), get_args(tp)
    simple = {
        str: "a string",
        bool: "true or false",
        int: "an integer",
        float: "a number",
        dt.date: "a date such as 2021-01-31",
    }
    if tp in simple:
        return simple[tp]
    if origin is Literal:
        return "one of " + ", ".join(map(str, args))
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(a) for a in args if a is not type(None))
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return f"a list of {_plural(args[0])}"
        return f"a list of {len(args)} {_plural(args[0])}"
    return "a table"


def _plural(tp: Any) -> str:
    words = {str: "strings", int: "integers", float: "numbers", bool: "booleans"}
    return words.get(tp, "tables" if dataclasses.is_dataclass(tp) else "values")


def _shape(tp: Any) -> type | None:
    """Return the TOML container a value of type ``tp`` comes as (a table or an array)."""
    if dataclasses.is_dataclass(tp) or get_origin(tp) is dict:
        return dict
    if get_origin(tp) is tuple:
        return list
    return None


def _scalar(tp: Any, value: Any) -> bool:
    """Return True when ``value`` is a TOML value of the scalar type ``tp``."""
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is dt.date:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if tp is str:
        return isinstance(value, str)
    raise TypeError(f"tomlread cannot read a value of type {tp!r}")


class _Reader:
    """Reads the tables of one file, collecting problems."""

    def __init__(self, problems: list[Problem], *, quiet: bool = False) -> None:
        self.problems = problems
        self.quiet = quiet

    def add(self, message: str, hint: str = "") -> None:
        if not self.quiet:
            self.problems.append(Problem(message, hint))

    def record(
        self,
        cls: Any,
        table: Any,
        where: _Where,
        given: Mapping[str, Any],
        parent: Mapping[str, Any],
    ) -> Any:
        """Read ``table`` into the dataclass ``cls``; raise :class:`_Bad` if it has problems."""
        if not isinstance(table, dict):
            self.add(f"{where.prefix()}should be a table, got {type(table).__name__}")
            raise _Bad
        hints = _type_hints(cls)
        fields = [f for f in dataclasses.fields(cls) if f.init]
        opts = {f.name: f.metadata.get(_META, Option()) for f in fields}
        readable = {
            (opts[f.name].key or f.name): f
            for f in fields
            if f.name not in given and opts[f.name].parent is None
        }
        ok = True
        for key in table:
            if key not in readable:
                self.add(
                    f"{where.prefix()}unknown key {where.key(key)} "
                    f"(allowed keys: {', '.join(sorted(readable))})",
                    "remove or rename the key (unknown keys are errors)",
                )
                ok = False
        values: dict[str, Any] = dict(given)
        for key, f in readable.items():
            if key in table:
                try:
                    values[f.name] = self.field(
                        hints[f.name], opts[f.name], table[key], where, key, values
                    )
                except _Bad:
                    ok = False
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                self.add(
                    f"{where.prefix()}missing required key {where.key(key)}",
                    "add it to the file",
                )
                ok = False
        if not ok:
            raise _Bad
        for f in fields:
            source = opts[f.name].parent
            if source is not None and f.name not in given:
                values[f.name] = parent[source]
        obj = cls(**values)
        check = getattr(obj, "toml_problems", None)
        found = list(check(where.plain)) if check is not None else []
        for message, hint in found:
            self.add(f"{where.prefix()}{message}", hint)
        if found:
            raise _Bad
        return obj

    def field(
        self, tp: Any, opt: Option, value: Any, where: _Where, key: str, record: Mapping[str, Any]
    ) -> Any:
        """Read one field's value (``record`` holds the enclosing record's values so far)."""
        if opt.keyed:
            if not isinstance(value, dict):
                self.bad(where, key, "a table of tables", value)
            item = get_args(tp)[0]
            out, ok = [], True
            for name, table in value.items():
                try:
                    out.append(
                        self.record(item, table, where.table(key, name), {"key": name}, record)
                    )
                except _Bad:
                    ok = False
            if not ok:
                raise _Bad
            return tuple(out)
        checked = self.value(
            opt.read_as if opt.read_as is not None else tp, value, where, key, record
        )
        return opt.convert(checked) if opt.convert is not None else checked

    def bad(
        self, where: _Where, key: str, expected: str, value: Any, index: int | None = None
    ) -> NoReturn:
        item = "" if index is None else f" item {index + 1}"
        self.add(
            f"{where.prefix()}key {where.key(key)}{item} should be {expected}, "
            f"got {type(value).__name__} {value!r}",
            "fix the value in the TOML file",
        )
        raise _Bad

    def value(
        self,
        tp: Any,
        value: Any,
        where: _Where,
        key: str,
        record: Mapping[str, Any],
        index: int | None = None,
    ) -> Any:
        """Check ``value`` against the type ``tp`` and return it converted."""
        origin, args = get_origin(tp), get_args(tp)
        if tp is Any:
            return value
        if origin in (Union, types.UnionType):
            alts = [a for a in args if a is not type(None)]
            quiet = _Reader([], quiet=True)
            for alt in alts:
                try:
                    return quiet.value(alt, value, where, key, record, index)
                except _Bad:
                    continue
            shaped = [a for a in alts if _shape(a) is type(value)]
            if len(alts) == 1 or shaped:
                # say what is wrong inside the one alternative the value is shaped like
                return self.value((shaped or alts)[0], value, where, key, record, index)
            self.bad(where, key, _describe(tp), value, index)
        if origin is Literal:
            if value in args and type(value) is type(args[0]):
                return value
            item = "" if index is None else f" item {index + 1}"
            self.add(
                f"{where.prefix()}{where.plain(key)}{item} = {value!r} is not one of "
                + ", ".join(map(str, args)),
                "use one of the listed values",
            )
            raise _Bad
        if dataclasses.is_dataclass(tp):
            inner = where.inner(key) if index is None else where.item(key, index)
            return self.record(tp, value, inner, {}, record)
        if origin is tuple:
            if not isinstance(value, list):
                self.bad(where, key, _describe(tp), value, index)
            variadic = len(args) == 2 and args[1] is Ellipsis
            if not variadic and len(value) != len(args):
                self.bad(where, key, _describe(tp), value, index)
            kinds = [args[0]] * len(value) if variadic else list(args)
            out, ok = [], True
            for i, (kind, v) in enumerate(zip(kinds, value, strict=True)):
                try:
                    out.append(self.value(kind, v, where, key, record, i))
                except _Bad:
                    ok = False
            if not ok:
                raise _Bad
            return tuple(out)
        if origin is dict:
            if not isinstance(value, dict):
                self.bad(where, key, "a table", value, index)
            out_d, ok = {}, True
            for k, v in value.items():
                try:
                    out_d[k] = self.value(args[1], v, where.inner(key), k, record)
                except _Bad:
                    ok = False
            if not ok:
                raise _Bad
            return out_d
        if not _scalar(tp, value):
            self.bad(where, key, _describe(tp), value, index)
        return float(value) if tp is float else value


def read(
    cls: type[T],
    table: Any,
    *,
    problems: list[Problem],
    given: Mapping[str, Any] | None = None,
) -> T | None:
    """Read one TOML table into the dataclass ``cls``, collecting problems.

    Parameters
    ----------
    cls
        A (frozen) dataclass defined at module level (its annotations are resolved in its
        module); its fields and types say what the table may hold.
    table
        The parsed TOML table.
    problems
        Receives one :class:`Problem` per thing wrong; nothing is raised.
    given
        Values of fields that do not come from the table (a name, a path, a digest).

    Returns
    -------
    object or None
        The record, or ``None`` when the table has problems.
    """
    try:
        return _Reader(problems).record(cls, table, _Where(), given or {}, {})
    except _Bad:
        return None


def raise_problems(
    problems: Iterable[Problem],
    *,
    source: str,
    error: type[GeoError],
    hint: str,
) -> None:
    """Raise one ``error`` naming every problem, if there are any.

    Parameters
    ----------
    problems
        The problems collected by :func:`read` and by the caller's own checks.
    source
        The file, named at the start of the message.
    error
        The error class (:class:`~geo.errors.SpecError`, :class:`~geo.errors.CatalogError`).
    hint
        What to do, used when the problems carry no hint of their own.
    """
    found = list(problems)
    if not found:
        return
    hints = list(dict.fromkeys(p.hint for p in found if p.hint)) or [hint]
    if len(found) == 1:
        message = f"{source}: {found[0].message}"
    else:
        message = f"{source} has {len(found)} problem(s): " + "; ".join(p.message for p in found)
    raise error(message, hint="; ".join(hints))
