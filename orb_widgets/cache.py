"""Work done once: a county's results, and what is drawn from them, kept in the workspace.

Scoring a county, formatting its views and drawing its charts give the same
result every time until something they are made from changes. So the first
page, packet or hub build that needs them keeps them in the workspace
(``<workspace>/.cache/results/``), under a fingerprint of everything they are
made from:

* the county and the wave asked for (none: the latest);
* the county's answers and comments: every response that counts (each has a
  random id of its own, and a response is never changed once stored, only
  added, or removed with its import), see :meth:`Store.response_marks`;
* every version of the county's survey (an id is a hash of its content);
* the database they come from, and the smallest group this process may show;
* the code: ORB's own modules, templates and content packs (:func:`code_version`).

Any change to one of them gives another fingerprint, so a cached result is
never shown after its inputs changed; there is nothing to clear. Files are
written whole and then renamed into place (a reader sees the old file or the
new one, never half of one); a file that cannot be read is computed again,
never an error on a page. Entries are plain JSON (text and numbers).

>>> from orb_widgets.app import App
>>> from orb_widgets.demo import make_demo
>>> import tempfile
>>> store = App.for_workspace(tempfile.mkdtemp(), create=True).store
>>> county = make_demo(store, counties=1, seed=5)[0]
>>> first = Entry(store, county)
>>> first.report().county == county and first.computed
True
>>> again = Entry(store, county)
>>> again.report() == first.report() and not again.computed  # read from the workspace
True
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path

#: Bumped when what an entry holds changes shape: older entries are then simply not found.
FORMAT = 1
FOLDER = Path(".cache") / "results"
#: Entries kept per county (older fingerprints are removed as new ones are written).
KEEP = 8


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the code results are made with: ORB's modules, templates, style sheets and content packs."""
    from .resources import shipped

    package = Path(__file__).resolve().parent
    files = (
        sorted(package.rglob("*.py"))
        + sorted(shipped("templates").rglob("*.j2"))
        # style sheets too: a page part or packet kept from before a style change is made again
        + sorted(shipped("templates").rglob("*.css"))
        + sorted(shipped("data").rglob("*.yaml"))
    )
    h = hashlib.sha256(str(FORMAT).encode())
    for f in files:
        try:
            h.update(f.name.encode() + b"\0" + f.read_bytes())
        except OSError:
            h.update(f.name.encode() + b"\0missing")
    return h.hexdigest()


def warm() -> None:
    """Do ahead what needs no county (a kernel started before anyone opens its page)."""
    code_version()


def fingerprint(store, county: str, wave: str | None = None) -> str:
    """The hash of everything a county's results for ``wave`` are made from (see the module's text)."""
    from .instrument import min_group_floor

    c = store.county(county)
    h = hashlib.sha256()
    h.update(
        json.dumps(
            [
                FORMAT,
                c.name,
                c.framework,
                None if wave is None else str(wave),
                code_version(),
                hashlib.sha256(str(store.url).encode()).hexdigest(),
                min_group_floor(),
                [v["id"] for v in store.instrument_versions(c.name)],
            ]
        ).encode()
    )
    h.update(store.response_marks(c.name).encode())
    return h.hexdigest()


def folder_of(store) -> Path | None:
    return None if getattr(store, "folder", None) is None else store.folder / FOLDER


class Entry:
    """One county's (and wave's) cached results: the score report and named pieces made from it.

    ``report()`` is the county's :class:`~orb_widgets.report.ScoreReport`;
    ``get(name, make)`` is a piece made from it (a chart's SVG, a page part's
    HTML, any JSON value), made with ``make()`` the first time and kept.
    ``computed`` says whether anything had to be made in this process.
    """

    def __init__(self, store, county: str, wave: str | None = None):
        self.store, self.county = store, store.county(county).name
        if wave is None:  # the latest wave: the same entry as asking for it by name
            waves = store.waves(self.county)
            wave = waves[-1] if waves else None
        self.wave = None if wave is None else str(wave)
        self.computed = False
        self._report = None
        self.key = fingerprint(store, self.county, self.wave)
        folder = folder_of(store)
        self.path = None if folder is None else folder / f"{self.key[:40]}.json"
        self.data = self._read()

    def _read(self) -> dict:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return {}  # missing, or not readable: made again
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != self.key:
            return {}
        return data.get("parts") if isinstance(data.get("parts"), dict) else {}

    def report(self):
        """The county's score report (:func:`orb_widgets.results.county_results`), computed once."""
        if self._report is None:
            from .report import ScoreReport

            kept = self.data.get("report")
            if kept is not None:
                try:
                    self._report = ScoreReport.model_validate(kept)
                except ValueError:
                    self._report = None
            if self._report is None:
                from .results import county_results

                self._report = county_results(self.store, self.county, self.wave)
                self._put("report", self._report.model_dump(mode="json"))
        return self._report

    def get(self, name: str, make):
        """The piece ``name``: kept, or made with ``make()`` (a JSON value) and kept."""
        if name in self.data:
            return self.data[name]
        value = make()
        self._put(name, value)
        return value

    def chart(self, name: str, draw, alt: str) -> dict:
        """Chart ``name`` as SVG text (``{"svg", "narrow", "alt"}``), drawn the first time by ``draw()``
        (a matplotlib axis) with :func:`orb_widgets.plots.to_svg`, as the packets draw it: once for a
        wide page and once (inside :func:`orb_widgets.plots.narrow`) for a phone."""

        return self.get(f"chart:{name}", lambda: draw_chart(draw, alt))

    def _put(self, name: str, value) -> None:
        self.computed = True
        self.data[name] = value
        self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        # Another process may have kept other pieces meanwhile: keep theirs too.
        merged = {**self._read(), **self.data}
        text = json.dumps(
            {"format": FORMAT, "key": self.key, "county": self.county, "parts": merged}, ensure_ascii=False
        )
        if _write_whole(self.path, text, self.store.folder):
            self.data = merged
            _prune(self.path.parent, self.county, keep=self.path)


def _write_whole(path: Path, text: str, workspace: Path) -> bool:
    """Write ``text`` to ``path`` whole, then rename it into place (a reader sees the old file or the
    new one, never half of one); False when the workspace is read-only or full (nothing is left)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
        try:
            # readable by whoever may read the workspace itself (mkstemp makes it private)
            os.fchmod(fd, workspace.stat().st_mode & 0o666)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True
    except OSError:
        return False  # results are still shown, just made again next time


def _prune(folder: Path, county: str, keep: Path) -> None:
    """Keep the newest :data:`KEEP` entries of a county (older fingerprints are never asked for again)."""
    mine = []
    for path in folder.glob("*.json"):
        if path == keep:
            continue
        try:
            with path.open("r", encoding="utf-8") as f:
                head = f.read(4096)
            if f'"county": {json.dumps(county, ensure_ascii=False)},' in head:
                mine.append((path.stat().st_mtime, path))
        except OSError:
            continue
    for _, path in sorted(mine, reverse=True)[KEEP - 1 :]:
        path.unlink(missing_ok=True)


#: Charts drawn from what a team typed (not from survey answers), kept in ``.cache/charts``.
CHARTS = Path(".cache") / "charts"
#: Such charts kept in a workspace: the newest (about 12 KB each; a state's 58 counties have about two a
#: county), older ones were drawn from ratings since changed.
KEEP_CHARTS = 1024


def drawn(store, name: str, inputs, draw, alt: str) -> dict:
    """Chart ``name`` drawn from ``inputs`` (any JSON value: everything the drawing depends on), as
    :meth:`Entry.chart` gives it (``{"svg", "narrow", "alt"}``), kept under a hash of the name, the
    inputs and the code. A page opened again shows the kept SVG and never imports matplotlib; a
    change to any input is another hash, so a kept chart is never shown after its inputs changed.

    >>> from orb_widgets.app import App
    >>> import tempfile
    >>> store = App.for_workspace(tempfile.mkdtemp(), create=True).store
    >>> calls = []
    >>> def draw():
    ...     import matplotlib.pyplot as plt
    ...     calls.append(1)
    ...     return plt.subplots()[1]
    >>> first = drawn(store, "demo", {"x": [1, 2]}, draw, "two points")
    >>> drawn(store, "demo", {"x": [1, 2]}, draw, "two points") == first, len(calls)  # drawn once: wide and phone
    (True, 2)
    >>> _ = drawn(store, "demo", {"x": [1, 3]}, draw, "two points"); len(calls)  # another input: drawn again
    4
    """
    key = hashlib.sha256(json.dumps([FORMAT, code_version(), name, inputs, alt], default=str).encode()).hexdigest()
    folder = None if getattr(store, "folder", None) is None else store.folder / CHARTS
    path = None if folder is None else folder / f"{key[:40]}.json"
    if path is not None:
        try:
            kept = json.loads(path.read_text("utf-8"))
            if isinstance(kept, dict) and kept.get("key") == key and isinstance(kept.get("svg"), str):
                return {"svg": kept["svg"], "narrow": kept.get("narrow"), "alt": str(alt)}
        except (OSError, ValueError, UnicodeDecodeError):
            pass  # missing or not readable: drawn again
    made = draw_chart(draw, alt)
    if path is not None and _write_whole(path, json.dumps({"key": key, **made}, ensure_ascii=False), store.folder):
        older = sorted((p for p in folder.glob("*.json") if p != path), key=_mtime, reverse=True)
        for p in older[KEEP_CHARTS - 1 :]:
            p.unlink(missing_ok=True)
    return made


def draw_chart(draw, alt: str) -> dict:
    """``draw()`` (a matplotlib axis) as SVG text, once for a wide page and once for a phone."""
    from . import plots

    wide = plots.to_svg(draw()).decode("utf-8")
    with plots.narrow():
        narrow = plots.to_svg(draw()).decode("utf-8")
    return {"svg": wide, "narrow": narrow, "alt": str(alt)}


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def county_report(store, county: str, wave: str | None = None):
    """:func:`orb_widgets.results.county_results`, kept in the workspace until its inputs change."""
    return Entry(store, county, wave).report()


def pulse_results(store, county: str) -> dict:
    """:func:`orb_widgets.results.pulse_results` (each plan row's latest pulse check), worked out once per
    change of the county's answers or surveys and kept with its other results."""
    from .results import Pulse
    from .results import pulse_results as compute

    kept = Entry(store, county).get("pulses", lambda: {row: p.as_json() for row, p in compute(store, county).items()})
    return {row: Pulse(**value) for row, value in kept.items()}
