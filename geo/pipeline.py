"""Build maps: spec → boundaries → incidents → join → aggregate → render → write.

:func:`build` is what ``geo build`` runs; it is the only place that writes
map pages. Each map is rebuilt only when something it depends on changed
(inputs, boundaries, spec, tool version, asset cache), unless ``force``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

import geo
from geo import aggregate, assets, provenance, render
from geo.boundaries.load import project_provenance
from geo.boundaries.resolve import Resolved, resolve_boundaries
from geo.errors import AssetError
from geo.incidents import LoadResult, load_incidents, load_sample
from geo.incidents import store as incident_store
from geo.join import JoinResult, join_events
from geo.layers import project_layers
from geo.paths import offline
from geo.render.safe import script_json
from geo.spec import Filters, MapSpec, load_specs
from geo.types import ROLES, ProjectLayers
from geo.write import write_text

MANIFEST = ".geo-manifest.json"
Progress = Callable[[str], None]


def default_output_dir() -> Path:
    """Return the default output folder: ``GEO_OUTPUT_DIR`` or ``./output`` (git-ignored)."""
    return Path(os.environ.get("GEO_OUTPUT_DIR", "output"))


@dataclass(frozen=True)
class MapOutput:
    """What happened to one map."""

    name: str
    title: str
    path: Path
    status: str  # "built" or "unchanged"
    events: int
    mode: str
    size: int
    png: Path | None = None


@dataclass(frozen=True, eq=False)
class BuildReport:
    """Everything one build did, for the summary and for tests."""

    out_dir: Path
    resolved: Resolved
    loaded: LoadResult
    joined: JoinResult
    maps: tuple[MapOutput, ...]
    index: Path
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        """Return a short human-readable account of the build."""
        src = self.resolved.boundaries.source
        lines = [
            f"boundaries: {src.title} ({src.version}) — {self.resolved.detail}",
            *(f"  {note}" for note in self.resolved.boundaries.report),
            self.loaded.summary(),
            self.joined.report.summary(),
        ]
        for m in self.maps:
            extra = f", png {m.png}" if m.png else ""
            lines.append(
                f"{m.status:9} {m.path} — {m.events} events, {m.mode} mode, "
                f"{m.size / 1e6:.2f} MB{extra}"
            )
        lines.append(f"index     {self.index}")
        lines.extend(self.notes)
        return "\n".join(lines)


def _filter(
    events: gpd.GeoDataFrame,
    spec: MapSpec,
    *,
    date_from: dt.date | None,
    date_to: dt.date | None,
    roles: Sequence[str] = (),
) -> gpd.GeoDataFrame:
    f = spec.filters
    keep = pd.Series(True, index=events.index)
    if f.is_only:
        keep &= events["role"] != "none"
    wanted = [r for r in f.roles if not roles or r in roles] if f.roles else list(roles)
    if f.roles or roles:
        keep &= events["role"].isin(wanted)
    lo = max(filter(None, [f.date_from, date_from]), default=None)
    hi = min(filter(None, [f.date_to, date_to]), default=None)
    if lo is not None:
        keep &= events["date"] >= pd.Timestamp(lo)
    if hi is not None:
        keep &= events["date"] <= pd.Timestamp(hi)
    if f.event_types:
        keep &= events["event_type"].isin(f.event_types)
    return events if keep.all() else events.loc[keep]


@functools.cache
def _code_fingerprint() -> str:
    """Return a hash of the installed package's code and static files.

    A page depends on the code that drew it, so a changed tool (even at the
    same version number, as in a development checkout) rebuilds every map.
    """
    root = Path(geo.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".js", ".css", ".toml"} and "_data" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256(script_json([str(p) for p in parts]).encode()).hexdigest()


def _period(events: gpd.GeoDataFrame) -> tuple[str, str] | None:
    if events.empty:
        return None
    return (events["date"].min().date().isoformat(), events["date"].max().date().isoformat())


def _measures(
    spec: MapSpec, events: gpd.GeoDataFrame, layers: ProjectLayers
) -> dict[str, gpd.GeoDataFrame]:
    if spec.choropleth is None:
        return {}
    levels = dict.fromkeys((spec.choropleth.level, *spec.choropleth.levels))
    out = {}
    for level in levels:
        if layers.boundaries.level(level) is None:
            continue
        out[level] = aggregate.area_measures(events, layers, level=level)
    return out


def build(
    names: Sequence[str] = (),
    *,
    incidents: Sequence[Path | str] = (),
    incident_format: str = "auto",
    out: Path | str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    boundaries: Path | str | None = None,
    force: bool = False,
    png: bool = False,
    aggregates_only: bool = False,
    maps_dir: Path | str | None = None,
    roles: Sequence[str] = (),
    progress: Progress | None = None,
) -> BuildReport:
    """Build the named maps (all shipped specs by default) and the index page.

    Parameters
    ----------
    names
        Spec names (``maps/<name>.toml``); empty for all.
    incidents
        Incident files; empty for the shipped sample of documented events.
    incident_format
        Reader to use (``auto`` detects it from the header).
    out
        Output folder (default :func:`default_output_dir`).
    date_from, date_to
        Keep events in this date range (inclusive), on top of each spec's filters.
    boundaries
        A folder or zip of boundary files to use instead of the cache.
    force
        Rebuild maps even when nothing they depend on changed.
    png
        Also write a PNG of each map through headless Chromium.
    aggregates_only
        Leave raw event points out of every map (for data that may not be republished).
    maps_dir
        A folder of your own map specs to use instead of the shipped ones.
    roles
        Keep only events with these roles (``is_attack``, ``against_is``,
        ``clash``, ``none``), on top of each spec's filters.
    progress
        Called with a short message at each step.

    Returns
    -------
    BuildReport
        What was built, skipped and written.
    """
    say = progress or (lambda _msg: None)
    out_dir = Path(out) if out is not None else default_output_dir()
    specs = load_specs(tuple(names), folder=Path(maps_dir) if maps_dir else None)

    say("boundaries")
    resolved = resolve_boundaries(boundaries)
    layers = project_layers(resolved.boundaries)

    say("incidents")
    default = None if incidents else incident_store.default_incidents()
    if incidents:
        loaded = load_incidents(list(incidents), format=incident_format)
    elif default is not None and default.paths:
        loaded = load_incidents(list(default.paths), format="ucdp")
    else:
        loaded = load_sample()
    incident_caveat = _incident_caveat(loaded, default)

    say("join")
    joined = join_events(loaded.events, layers)

    store = assets.AssetStore.open()
    asset_note = ""
    if not store.complete and not offline():
        say("assets")
        try:
            assets.fetch()
            store = assets.AssetStore.open()
        except AssetError as exc:
            asset_note = f" ({exc.one_line()})"
    built = provenance.run_date()
    manifest_path = out_dir / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        manifest = {}
    inputs_key = _fingerprint(
        *(d.sha256 for d in loaded.datasets),
        resolved.boundaries.source.version,
        *(h for _n, h in resolved.boundaries.source.files),
        geo.__version__,
        _code_fingerprint(),
        store.fingerprint(),
        date_from,
        date_to,
        aggregates_only,
        *roles,
    )
    sources = (
        resolved.boundaries.source,
        *(d.provenance() for d in loaded.datasets),
        *project_provenance(),
    )
    outputs: list[MapOutput] = []
    entries: list[render.IndexEntry] = []
    filtered: dict[Filters, gpd.GeoDataFrame] = {}
    for spec in specs:
        say(f"map {spec.name}")
        target = out_dir / f"{spec.name}.html"
        if spec.filters not in filtered:  # maps with the same filters share one selection
            filtered[spec.filters] = _filter(
                joined.events, spec, date_from=date_from, date_to=date_to, roles=roles
            )
        events = filtered[spec.filters]
        spec_key = _fingerprint(inputs_key, spec.digest)
        if spec.aggregates_only or aggregates_only:
            from dataclasses import replace

            spec = replace(spec, aggregates_only=True)
        mode = render.choose_mode(len(events), aggregates_only=spec.aggregates_only)
        entry = render.IndexEntry(
            name=spec.name,
            title=spec.title,
            description=spec.description,
            href=target.name,
            period=_period(events),
            events=len(events),
            sources=tuple(s.title for s in sources),
            built=built,
            incidents=incident_caveat,
            cite=tuple(dict.fromkeys(f"{d.citation} ({d.licence})" for d in loaded.datasets)),
        )
        entries.append(entry)
        png_path = target.with_suffix(".png") if png else None
        fresh = (
            not force
            and manifest.get(spec.name) == spec_key
            and target.exists()
            and (png_path is None or png_path.exists())
        )
        if fresh:
            outputs.append(
                MapOutput(
                    spec.name,
                    spec.title,
                    target,
                    "unchanged",
                    len(events),
                    mode,
                    target.stat().st_size,
                    png_path,
                )
            )
            continue
        context = render.RenderContext(
            sources=sources,
            filters=_filters_dict(spec, date_from, date_to, roles),
            period=_period(events),
            caveats=(incident_caveat, *layers.notes, *resolved.boundaries.report[:5]),
            acled=any(d.acled for d in loaded.datasets),
            built=built,
            tool_version=geo.__version__,
            seam=aggregate.seam_stats(events) if spec.seam_chart else None,
            measures=_measures(spec, events, layers),
        )
        fmap = render.build_map(spec, layers=layers, events=events, context=context)
        html = render.page_html(fmap, assets=store)
        write_text(target, html)
        if png_path is not None:
            from geo import snapshot

            say(f"png {spec.name}")
            snapshot.screenshot(target, png_path)
        manifest[spec.name] = spec_key
        outputs.append(
            MapOutput(
                spec.name,
                spec.title,
                target,
                "built",
                len(events),
                mode,
                len(html.encode()),
                png_path,
            )
        )

    say("index")
    index = write_text(out_dir / "index.html", render.index_html(entries, built=built))
    write_text(manifest_path, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    notes = [default.detail] if default is not None else []
    if resolved.schematic:
        notes.append(
            "note: maps use the approximate schematic boundaries; run "
            "`geo boundaries import PATH` (COD-AB) or `geo boundaries fetch` for the real ones"
        )
    if not store.complete:
        notes.append(
            "note: the offline asset cache is incomplete, so pages load Leaflet from the "
            f"network; run `geo assets fetch` once online{asset_note}"
        )
    if default is not None and default.sample:
        notes.append(f"note: maps use the shipped sample; {incident_store.SAMPLE_NEXT}")
    return BuildReport(out_dir, resolved, loaded, joined, tuple(outputs), index, tuple(notes))


def _incident_caveat(loaded: LoadResult, default: incident_store.DefaultIncidents | None) -> str:
    """Return the sentence every page and the index carry on which incident data was used."""
    if default is not None and default.sample:
        return (
            "Incidents: the shipped sample of documented IS incidents (a small illustration, "
            "not a complete record); fetch real data with `geo incidents fetch ucdp`."
        )
    names = ", ".join(d.name for d in loaded.datasets)
    provisional = sum(d.rows_accepted for d in loaded.datasets if d.provisional)
    how = "cached UCDP data (used because no incident file was given)" if default else "given files"
    text = f"Incidents: {how}: {names}."
    if provisional:
        text += (
            f" {provisional:,} rows are UCDP Candidate events: provisional, not yet vetted for GED."
        )
    return text


def _filters_dict(
    spec: MapSpec, date_from: dt.date | None, date_to: dt.date | None, roles: Sequence[str] = ()
) -> dict:
    f = spec.filters
    out: dict[str, str] = {"IS-involved events only": "yes" if f.is_only else "no"}
    chosen = [r for r in ROLES if (not f.roles or r in f.roles) and (not roles or r in roles)]
    if f.roles or roles:
        out["roles"] = ", ".join(chosen) or "(none)"
    lo = max(filter(None, [f.date_from, date_from]), default=None)
    hi = min(filter(None, [f.date_to, date_to]), default=None)
    if lo:
        out["from"] = lo.isoformat()
    if hi:
        out["to"] = hi.isoformat()
    if f.event_types:
        out["event types"] = ", ".join(f.event_types)
    return out
