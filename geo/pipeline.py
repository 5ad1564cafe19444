"""Build maps: spec → boundaries → incidents → join → aggregate → render → write.

:func:`build` is what ``geo build`` runs; it is the only place that writes
map pages. Each map is rebuilt only when something it depends on changed
(inputs, boundaries, spec, tool version, asset cache), unless ``force``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd

import geo
from geo import aggregate, ahead, assets, provenance
from geo.boundaries.resolve import Resolved, resolve_boundaries
from geo.errors import AssetError, InputError
from geo.hotspots import HotspotResult
from geo.incidents import Format, LoadResult, load_incidents, load_sample
from geo.incidents import store as incident_store
from geo.incidents.filters import filter_mask
from geo.incidents.sample import sample_banner
from geo.join import JoinResult, join_events
from geo.layers import project_layers, used_provenance
from geo.manifest import Manifest, code_fingerprint, fingerprint
from geo.paths import offline
from geo.place import PlaceResult, place_events
from geo.spec import Filters, HotspotLevel, MapSpec, load_specs
from geo.types import ROLES, Level, ProjectLayers, Provenance
from geo.userline import user_krg_line
from geo.write import write_text

if TYPE_CHECKING:  # geo.render (folium, jinja2) is imported where a map is drawn
    from geo import render

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
    placed: PlaceResult | None = None

    def summary(self) -> str:
        """Return a short human-readable account of the build."""
        src = self.resolved.boundaries.source
        lines = [
            f"boundaries: {src.title} ({src.version}) — {self.resolved.detail}",
            *(f"  {note}" for note in self.resolved.boundaries.report),
            self.loaded.summary(),
            *([self.placed.summary()] if self.placed is not None else []),
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


@dataclass(frozen=True)
class AssetState:
    """The offline asset cache a build draws its pages with."""

    store: assets.AssetStore
    problem: str = ""  # why fetching failed, when it did


def prepare_assets(*, progress: Progress | None = None) -> AssetState:
    """Open the offline asset cache, fetching what is missing unless offline.

    A failed fetch is not fatal: pages then load Leaflet from the network,
    and :func:`build` says so in its notes.
    """
    store = assets.AssetStore.open()
    if store.complete or offline():
        return AssetState(store)
    (progress or _quiet)("assets")
    try:
        assets.fetch()
    except AssetError as exc:
        return AssetState(store, f" ({exc.one_line()})")
    return AssetState(assets.AssetStore.open())


def _sources(
    resolved: Resolved, loaded: LoadResult, extra: Sequence[Provenance] = ()
) -> tuple[Provenance, ...]:
    """Return every source a page credits: boundaries, incident datasets, project layers."""
    return (
        resolved.boundaries.source,
        *(d.provenance() for d in loaded.datasets),
        *used_provenance(),
        *extra,
    )


def _inputs_key(
    resolved: Resolved,
    loaded: LoadResult,
    store: assets.AssetStore,
    *options: object,
) -> str:
    """Return the fingerprint of everything every page depends on, besides its spec."""
    return fingerprint(
        *(d.sha256 for d in loaded.datasets),
        resolved.boundaries.source.version,
        *(h for _n, h in resolved.boundaries.source.files),
        geo.__version__,
        code_fingerprint(),
        store.fingerprint(),
        *options,
    )


def _citations(loaded: LoadResult) -> tuple[str, ...]:
    """Return the citations the incident data asks for (ACLED's full one for ACLED data)."""
    out = [d.citation for d in loaded.datasets if d.citation]
    if any(d.acled for d in loaded.datasets):
        from geo.render.panel import ACLED_CITATION

        out.append(ACLED_CITATION)
    return tuple(dict.fromkeys(out))


def _quiet(_msg: str) -> None:
    return None


def _sample_banner(loaded: LoadResult, placed: PlaceResult) -> str:
    """Return the banner of pages built from the shipped sample, with its counts."""
    return sample_banner(
        loaded,
        placed_lines=placed.events["source_row"].tolist(),
        unplaced_lines=placed.unplaced["source_row"].tolist(),
    )


@dataclass(frozen=True, eq=False)
class _Run:
    """What every map of one build shares."""

    out_dir: Path
    resolved: Resolved
    layers: ProjectLayers
    loaded: LoadResult
    events: gpd.GeoDataFrame
    store: assets.AssetStore
    sources: tuple[Provenance, ...]
    inputs_key: str
    incident_note: str
    built: str
    aggregates_only: bool
    licensed_rows: bool
    force: bool
    png: bool
    say: Progress
    banner: str = ""


@dataclass(frozen=True, eq=False)
class _Selection:
    """The events one set of filters keeps, and the caption naming those filters."""

    events: gpd.GeoDataFrame
    caption: dict[str, str]


def _select(
    events: gpd.GeoDataFrame,
    f: Filters,
    *,
    date_from: dt.date | None,
    date_to: dt.date | None,
    roles: Sequence[str],
) -> _Selection:
    """Apply a spec's filters, narrowed by the build's own date range and roles."""
    lo = max(filter(None, [f.date_from, date_from]), default=None)
    hi = min(filter(None, [f.date_to, date_to]), default=None)
    wanted = [r for r in ROLES if (not f.roles or r in f.roles) and (not roles or r in roles)]
    keep, applied = filter_mask(
        events,
        date_from=lo,
        date_to=hi,
        event_types=f.event_types,
        is_only=f.is_only,
        roles=wanted if f.roles or roles else None,
    )
    if (f.roles or roles) and not wanted:  # the spec's roles and the build's do not meet
        keep[:] = False
        applied["roles"] = []
    return _Selection(events if keep.all() else events.loc[keep], _caption(applied))


def _caption(applied: dict[str, Any]) -> dict[str, str]:
    """Return the filters applied, as the map's panel names them."""
    out = {"IS-involved events only": "yes" if applied.get("is_only") else "no"}
    if "roles" in applied:
        out["roles"] = ", ".join(applied["roles"]) or "(none)"
    if "date_from" in applied:
        out["from"] = applied["date_from"]
    if "date_to" in applied:
        out["to"] = applied["date_to"]
    if applied.get("event_types"):
        out["event types"] = ", ".join(applied["event_types"])
    return out


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
    out: dict[str, Any] = {}
    for level in levels:
        if layers.boundaries.level(level) is None:
            continue
        out[level] = aggregate.area_measures(events, layers, level=level)
    return out


def _hotspots(
    spec: MapSpec, events: gpd.GeoDataFrame, layers: ProjectLayers
) -> HotspotResult | None:
    """Return the spec's Gi* result, at the next coarser level where the boundaries lack its own."""
    if spec.hotspots is None:
        return None
    from geo import hotspots  # only maps with a [hotspots] section need it

    level = spec.hotspots.level
    order: tuple[HotspotLevel, ...] = ("subdistrict", "district", "governorate")
    if level in order:
        level = next(
            (
                lv
                for lv in order[order.index(level) :]
                if layers.boundaries.level(cast(Level, lv)) is not None
            ),
            "governorate",
        )
    result = hotspots.hotspots(events, layers, by=level, period=spec.hotspots.period)
    if level != spec.hotspots.level:
        note = f"These boundaries have no {spec.hotspots.level} layer: hot spots per {level}."
        result = replace(result, notes=(note, *result.notes))
    return result


def _render(spec: MapSpec, selection: _Selection, run: _Run) -> str:
    """Draw one map and return its page."""
    from geo import render

    events = selection.events
    context = render.RenderContext(
        sources=run.sources,
        filters=selection.caption,
        period=_period(events),
        caveats=(run.incident_note, *run.layers.notes, *run.resolved.boundaries.report[:5]),
        acled=any(d.acled for d in run.loaded.datasets),
        built=run.built,
        tool_version=geo.__version__,
        seam=aggregate.seam_stats(events) if spec.seam_chart else None,
        licensed_rows=run.licensed_rows,
        measures=_measures(spec, events, run.layers),
        hotspots=_hotspots(spec, events, run.layers),
        banner=run.banner,
    )
    fmap = render.build_map(spec, layers=run.layers, events=events, context=context)
    return render.page_html(fmap, assets=run.store)


def _build_one(
    spec: MapSpec, selection: _Selection, run: _Run, manifest: Manifest
) -> tuple[MapOutput, render.IndexEntry]:
    """Build one map page unless it is up to date; return what happened and its index entry."""
    from geo import render  # imported by the first map, not before: setup stays small

    run.say(f"map {spec.name}")
    events = selection.events
    target = run.out_dir / f"{spec.name}.html"
    png_path = target.with_suffix(".png") if run.png else None
    key = fingerprint(run.inputs_key, spec.digest)
    if run.aggregates_only:
        spec = replace(spec, aggregates_only=True)
    mode = render.choose_mode(len(events), aggregates_only=spec.aggregates_only)
    entry = render.IndexEntry(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        href=target.name,
        period=_period(events),
        events=len(events),
        sources=tuple(s.title for s in run.sources),
        citations=_citations(run.loaded),
        built=run.built,
        incidents=run.incident_note,
    )
    files = (target,) if png_path is None else (target, png_path)
    if not run.force and manifest.is_fresh(spec.name, key, *files):
        entry = replace(entry, built=manifest.built.get(spec.name, run.built))
        size = target.stat().st_size
        return MapOutput(
            spec.name, spec.title, target, "unchanged", len(events), mode, size, png_path
        ), entry
    html = _render(spec, selection, run)
    write_text(target, html)
    if png_path is not None:
        from geo import snapshot

        run.say(f"png {spec.name}")
        snapshot.screenshot(target, png_path)
    manifest.record(spec.name, key, run.built)
    size = len(html.encode())
    return MapOutput(
        spec.name, spec.title, target, "built", len(events), mode, size, png_path
    ), entry


def _load(
    incidents: Sequence[Path | str], incident_format: Format, read_options: dict[str, Any]
) -> tuple[LoadResult, incident_store.DefaultIncidents | None]:
    """Load the given files; with none, the cached UCDP data, else the shipped sample."""
    if incidents:
        return load_incidents(list(incidents), format=incident_format, **read_options), None
    default = incident_store.default_incidents()
    if default.paths:
        return load_incidents(list(default.paths), format="ucdp"), default
    return load_sample(), default


def _incident_note(loaded: LoadResult, default: incident_store.DefaultIncidents | None) -> str:
    """Return the sentence every page and the index carry on which incident data was used."""
    if default is not None and default.sample:
        return (
            "Incidents: the shipped sample of documented IS incidents (a small illustration, "
            "not a complete record); fetch real data with `geo incidents fetch ucdp`."
        )
    names = ", ".join(d.name for d in loaded.datasets)
    provisional = sum(d.rows_accepted for d in loaded.datasets if d.provisional)
    how = "cached UCDP data (used because no incident file was given)" if default else "given files"
    licences = "; ".join(dict.fromkeys(d.licence for d in loaded.datasets if d.licence))
    text = f"Incidents: {how}: {names}." + (f" Licence: {licences}." if licences else "")
    if provisional:
        text += (
            f" {provisional:,} rows are UCDP Candidate events: provisional, not yet vetted for GED."
        )
    return text


def _notes(
    resolved: Resolved,
    asset_state: AssetState,
    default: incident_store.DefaultIncidents | None = None,
    *,
    rows_withheld: bool = False,
) -> tuple[str, ...]:
    notes = [default.detail] if default is not None else []
    if resolved.schematic:
        notes.append(
            "note: maps use the approximate schematic boundaries; run "
            "`geo boundaries import PATH` (COD-AB) or `geo boundaries fetch` for the real ones"
        )
    if not asset_state.store.complete:
        notes.append(
            "note: the offline asset cache is incomplete, so pages load Leaflet from the "
            f"network; run `geo assets fetch` once online{asset_state.problem}"
        )
    if default is not None and default.sample:
        notes.append(f"note: maps use the shipped sample; {incident_store.SAMPLE_NEXT}")
    if rows_withheld:
        notes.append(
            "note: ACLED's licence forbids republishing its rows, so the maps show "
            "aggregates only; pass --include-rows to embed the rows for internal use"
        )
    return tuple(notes)


def build(
    names: Sequence[str] = (),
    *,
    incidents: Sequence[Path | str] = (),
    incident_format: Format = "auto",
    read_options: Mapping[str, Any] | None = None,
    out: Path | str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    boundaries: Path | str | None = None,
    force: bool = False,
    png: bool = False,
    aggregates_only: bool = False,
    maps_dir: Path | str | None = None,
    roles: Sequence[str] = (),
    krg_line: Path | str | None = None,
    is_only: bool | None = None,
    include_rows: bool = False,
    allow_empty: bool = False,
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
    read_options
        More options of :func:`geo.incidents.load_incidents` (``lat_col``, ``fix_swapped`` …).
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
        Keep only events with these roles (:data:`geo.types.ROLES`), on top of spec filters.
    krg_line
        A line or polygon file replacing the KRG line (:func:`geo.userline.user_krg_line`).
    is_only
        ``True``/``False``: IS-involved events only / every event; ``None``: as each spec.
    include_rows
        Embed rows whose licence forbids republishing them (ACLED), under a banner.
    allow_empty
        Build even when no event is accepted (else :class:`~geo.errors.InputError`).
    progress
        Called with a short message at each step.

    Returns
    -------
    BuildReport
        What was built, skipped and written.
    """
    say = progress or _quiet
    out_dir = Path(out) if out is not None else default_output_dir()
    specs = load_specs(tuple(names), folder=Path(maps_dir) if maps_dir else None)

    read = (incidents, incident_format, dict(read_options or {}))
    inputs = _prepare(*read, boundaries=boundaries, krg_line=krg_line, empty=allow_empty, say=say)
    asset_state = prepare_assets(progress=say)
    withheld = inputs.licensed and not include_rows
    aggregates_only = aggregates_only or withheld
    run = _start_run(
        inputs,
        asset_state.store,
        out_dir=out_dir,
        key=(date_from, date_to, aggregates_only, is_only, *roles),
        aggregates_only=aggregates_only,
        licensed_rows=inputs.licensed and include_rows,
        flags=(force, png),
        say=say,
    )
    manifest = Manifest.read(out_dir)
    selections = _selections(
        specs, run.events, is_only=is_only, date_from=date_from, date_to=date_to, roles=roles
    )
    from geo.render.display import shared_display

    with shared_display(), _few_collections():  # a layer several maps draw is simplified once
        results = [_build_one(spec, selections[spec.filters], run, manifest) for spec in specs]

    say("index")
    index = _write_index(out_dir, [entry for _output, entry in results], built=run.built)
    manifest.write()
    outputs = tuple(output for output, _entry in results)
    notes = _notes(inputs.resolved, asset_state, inputs.default, rows_withheld=withheld)
    report = (inputs.resolved, inputs.loaded, inputs.joined, outputs, index, notes, inputs.placed)
    return BuildReport(out_dir, *report)


@contextlib.contextmanager
def _few_collections() -> Iterator[None]:
    """Inside the block, the garbage collector runs rarely and skips what exists already.

    Drawing the maps creates hundreds of thousands of small, long-lived
    objects (GeoJSON features, folium elements); the collector's default pace
    spends about a tenth of a second scanning them. Nothing here makes
    reference cycles worth collecting early; settings are restored after.
    """
    threshold = gc.get_threshold()
    gc.freeze()  # what the setup built is not scanned again
    gc.set_threshold(20_000, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


@dataclass(frozen=True, eq=False)
class _Inputs:
    """What a build reads before it draws: boundaries, layers, events placed and joined."""

    resolved: Resolved
    layers: ProjectLayers
    line_sources: tuple[Provenance, ...]
    loaded: LoadResult
    default: incident_store.DefaultIncidents | None
    placed: PlaceResult
    joined: JoinResult

    @property
    def licensed(self) -> bool:
        """Whether any input's licence forbids republishing its rows (ACLED)."""
        return any(d.acled for d in self.loaded.datasets)


def _prepare(
    incidents: Sequence[Path | str],
    incident_format: Format,
    read_options: dict[str, Any],
    *,
    boundaries: Path | str | None,
    krg_line: Path | str | None,
    empty: bool,
    say: Progress,
) -> _Inputs:
    """Resolve boundaries and layers, load the incidents, place and join them."""
    say("boundaries")
    resolved, layers, line_sources = _layers(boundaries, krg_line)
    say("incidents")
    # the first file's points are located and measured on the other core while it is validated
    with ahead.measuring(layers, incidents, read_options) as early:
        loaded, default = _load(incidents, incident_format, read_options)
        _refuse_empty(loaded, allow_empty=empty)
        say("join")
        placed = place_events(loaded.events, layers)
        joined = join_events(placed.events, layers, ahead=early)
    return _Inputs(resolved, layers, line_sources, loaded, default, placed, joined)


def _is_sample(default: incident_store.DefaultIncidents | None) -> bool:
    """Whether the build fell back to the shipped sample (no file given, none cached)."""
    return default is not None and default.sample


def _start_run(
    inputs: _Inputs,
    store: assets.AssetStore,
    *,
    out_dir: Path,
    key: tuple[Any, ...],
    aggregates_only: bool,
    licensed_rows: bool,
    flags: tuple[bool, bool],
    say: Progress,
) -> _Run:
    """Return what every map of this build shares (``flags``: force, png)."""
    loaded, default = inputs.loaded, inputs.default
    versions = (p.version for p in inputs.line_sources)
    return _Run(
        out_dir=out_dir,
        resolved=inputs.resolved,
        layers=inputs.layers,
        loaded=loaded,
        events=inputs.joined.events,
        store=store,
        sources=_sources(inputs.resolved, loaded, inputs.line_sources),
        inputs_key=_inputs_key(inputs.resolved, loaded, store, *key, *versions),
        incident_note=_incident_note(loaded, default),
        built=provenance.run_date(),
        aggregates_only=aggregates_only,
        licensed_rows=licensed_rows,
        force=flags[0],
        png=flags[1],
        say=say,
        banner=_sample_banner(loaded, inputs.placed) if _is_sample(default) else "",
    )


def _write_index(out_dir: Path, entries: list[render.IndexEntry], *, built: str) -> Path:
    """Write the index page, dated as the newest page it lists (a date a page shows)."""
    from geo import render

    index_built = max((e.built for e in entries), default=built)
    return write_text(out_dir / "index.html", render.index_html(entries, built=index_built))


def _layers(
    boundaries: Path | str | None, krg_line: Path | str | None
) -> tuple[Resolved, ProjectLayers, tuple[Provenance, ...]]:
    """Resolve the boundaries and derive the project layers (with a user's KRG line)."""
    resolved = resolve_boundaries(boundaries)
    layers = project_layers(resolved.boundaries)
    if krg_line is None:
        return resolved, layers, ()
    layers, line_prov = user_krg_line(layers, krg_line)
    return resolved, layers, (line_prov,)


def _refuse_empty(loaded: LoadResult, *, allow_empty: bool) -> None:
    """Refuse a build with no accepted event (unless allowed): maps are left as they were."""
    if len(loaded.events) == 0 and not allow_empty:
        names = ", ".join(d.name for d in loaded.datasets) or "the input"
        raise InputError(
            f"{names}: no event accepted (read {loaded.rows_read:,}, rejected "
            f"{loaded.rows_rejected:,}); nothing built, previous maps left as they were",
            hint="check the file with `geo incidents check`, or pass --allow-empty",
        )


def _selections(
    specs: Sequence[MapSpec],
    events: gpd.GeoDataFrame,
    *,
    is_only: bool | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    roles: Sequence[str],
) -> dict[Filters, gpd.GeoDataFrame]:
    """Return the events each distinct spec filter selects (maps with equal filters share)."""
    return {
        f: _select(
            events,
            f if is_only is None else replace(f, is_only=is_only),
            date_from=date_from,
            date_to=date_to,
            roles=roles,
        )
        for f in dict.fromkeys(spec.filters for spec in specs)
    }
