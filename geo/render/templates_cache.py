"""Folium's jinja2 templates, compiled once per installation and read back from the cache.

Importing folium and its plugins compiles about a hundred jinja2 templates (its
classes define them), which took 0.6-0.9 s of every build. jinja2 caches
compiled templates only for templates it loads from files, so
:func:`import_folium` imports folium while ``jinja2.Environment.compile`` goes
through a cache of the compiled code: a dictionary keyed by the template source,
its name and every environment setting that shapes the generated code, stored
with :mod:`marshal` in ``<cache>/jinja/``, one file per Python and jinja2
version. The code objects are exactly what jinja2 compiled; a file not owned by
the user or writable by others is ignored (the same trust as the installed
code), and any unreadable cache is rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType
from typing import Any

from geo import paths
from geo.errors import OutputError
from geo.write import write_bytes


def cache_file() -> Path:
    """Return the file holding compiled templates for this Python and jinja2."""
    import jinja2

    python = "-".join(map(str, sys.version_info[:3]))
    return paths.data_dir() / "jinja" / f"py{python}-jinja2-{jinja2.__version__}.marshal"


def _settings(env: Any) -> str:
    """Return the environment settings that shape jinja2's generated code."""
    names = (
        "block_start_string", "block_end_string", "variable_start_string",
        "variable_end_string", "comment_start_string", "comment_end_string",
        "line_statement_prefix", "line_comment_prefix", "trim_blocks", "lstrip_blocks",
        "newline_sequence", "keep_trailing_newline", "optimized", "is_async",
    )  # fmt: skip
    values = [repr(getattr(env, name, None)) for name in names]
    values += [
        _name(getattr(env, "autoescape", None)),
        _name(getattr(env, "finalize", None)),
        _name(getattr(env, "code_generator_class", None)),
        ",".join(sorted(getattr(env, "extensions", {}))),
    ]
    return "\x00".join(values)


def _name(value: Any) -> str:
    """Return a stable name for a setting that may be a function or a class."""
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', value)}"
    return repr(value)


def _read(path: Path) -> dict[str, CodeType]:
    try:
        if not paths.private_file(path):
            return {}
        codes = marshal.loads(path.read_bytes())  # noqa: S302 -- the user's own cache
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return codes if isinstance(codes, dict) else {}


@contextlib.contextmanager
def cached_compiles(path: Path) -> Iterator[dict[str, CodeType]]:
    """Route ``jinja2.Environment.compile`` through the cache in ``path`` for a block.

    Yields the cache's dictionary (key -> code); new entries are written back, atomically,
    when the block ends. Raw compiles (``raw=True``) are not cached.
    """
    import jinja2

    codes = _read(path)
    known = len(codes)
    original: Callable[..., Any] = jinja2.Environment.compile

    def compile(
        env: Any,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        if raw or not isinstance(source, str):
            return original(env, source, name, filename, raw, defer_init)
        key = hashlib.sha256(
            "\x01".join(
                [source, repr(name), repr(filename), repr(defer_init), _settings(env)]
            ).encode("utf-8", "surrogatepass")
        ).hexdigest()
        code = codes.get(key)
        if code is None:
            code = codes[key] = original(env, source, name, filename, raw, defer_init)
        return code

    jinja2.Environment.compile = compile  # type: ignore[method-assign,assignment]
    try:
        yield codes
    finally:
        jinja2.Environment.compile = original  # type: ignore[method-assign]
        if len(codes) > known:
            with contextlib.suppress(OutputError, OSError):  # a cache is never worth failing for
                write_bytes(path, marshal.dumps(codes))


def import_folium() -> None:
    """Import folium, branca and folium.plugins, their templates compiled through the cache."""
    if "folium.plugins" in sys.modules:
        return
    with cached_compiles(cache_file()):
        import folium
        import folium.plugins  # noqa: F401
