"""Static charts of a county's results, for packets and dashboards.

Every function takes the plain records that :func:`orb_widgets.results.county_results`
returns (lists of dicts) or a small DataFrame, draws on ``ax`` (a new figure
when ``ax`` is None) and returns ``ax``. Suppressed cells never show a number:
they are drawn as a labelled gap or a hatched, greyed cell.

>>> import matplotlib; matplotlib.use("Agg")
>>> ax = element_scores([{"element": "A", "mean": 3.2, "ci_low": 2.9, "ci_high": 3.5, "suppressed": False},
...                      {"element": "B", "mean": None, "ci_low": None, "ci_high": None, "suppressed": True}],
...                     {"A": "Fit", "B": "Climate"}, points=5)
>>> [t.get_text() for t in ax.get_yticklabels()]
['A. Fit', 'B. Climate']
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import math
import re
import textwrap

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .format import HIDDEN, score  # noqa: E402
from .keymessages import ANCHORS, HIGH, LOW  # noqa: E402
from .palette import MARKERS, OKABE_ITO, audience_colors, line_styles  # noqa: E402, F401 (their home before)

INK = "#1f2a37"
MUTED = "#6b7280"
ACCENT = "#1f5f8b"
SECOND = "#d9822b"
GRID = "#e5e7eb"
GAP = "#f3f4f6"
FONT = 9


CHAR_IN = 0.068  # about one character's width at the tick-label size, in inches
LINE_IN = 0.16  # about one line's height

#: A chart drawn for a phone: this wide (inches; about a phone's width at 96 px an inch), its row
#: labels above their bars instead of beside them, its legend under the plot instead of beside it.
NARROW_WIDTH = 3.3
_NARROW = contextvars.ContextVar("orb_narrow_charts", default=False)


@contextlib.contextmanager
def narrow():
    """Draw the charts made inside this block for a phone's width (see :data:`NARROW_WIDTH`).

    >>> import matplotlib; matplotlib.use("Agg")
    >>> with narrow():
    ...     ax = element_scores([{"element": "A", "mean": 3.2, "ci_low": 2.9, "ci_high": 3.5}], {"A": "Fit"})
    >>> float(ax.figure.get_figwidth()), ax.get_yticklabels(), [t.get_text() for t in ax.texts]
    (3.3, [], ['3.20', 'A. Fit'])
    """
    token = _NARROW.set(True)
    try:
        yield
    finally:
        _NARROW.reset(token)


def is_narrow() -> bool:
    """True inside :func:`narrow`."""
    return _NARROW.get()


def _row_labels(ax, ys, labels, above: float = 0.3) -> None:
    """Each row's label on a line of its own above the row, from the plot's left edge (a phone's layout)."""
    from matplotlib.transforms import blended_transform_factory

    at = blended_transform_factory(ax.transAxes, ax.transData)
    for y, label in zip(ys, labels):
        ax.text(0, y + above, label, transform=at, ha="left", va="bottom", fontsize=FONT, color=INK)
    ax.set_yticks([])


def _ax(
    ax,
    width: float = 7.0,
    height: float = 3.0,
    left: float = 0.7,
    right: float = 0.25,
    top: float = 0.45,
    bottom: float = 0.5,
):
    """A new figure with margins given in inches when ``ax`` is None (fixed margins are much
    cheaper to draw than a layout engine, and the labels' sizes are known here)."""
    if ax is None:
        if is_narrow():  # a title wraps onto a second line (see _style)
            right, width = min(right, 0.25), NARROW_WIDTH
            top, height = (top + 0.2, height + 0.2) if top >= 0.45 else (top, height)
        fig = plt.figure(figsize=(width, height))
        fig.subplots_adjust(
            left=min(left / width, 0.6),
            right=max(1 - right / width, 0.4),
            top=max(1 - top / height, 0.3),
            bottom=min(bottom / height, 0.5),
        )
        ax = fig.add_subplot()
    return ax


def _extent(labels) -> tuple[int, int]:
    """Longest line (characters) and most lines among ``labels``."""
    lines = [str(t).split("\n") for t in labels] or [[""]]
    return max(len(x) for ls in lines for x in ls), max(len(ls) for ls in lines)


def plain(text) -> str:
    """Text shown as typed: a ``$`` in a county's words must not start matplotlib's math mode."""
    return str(text).replace("$", r"\$")


# seaborn's "colorblind" palette: one colour per element line, repeating after ten
COLORBLIND = (
    "#0173b2",
    "#de8f05",
    "#029e73",
    "#d55e00",
    "#cc78bc",
    "#ca9161",
    "#fbafe4",
    "#949494",
    "#ece133",
    "#56b4e9",
)
SATURATION = 0.75  # bars are a little muted, as seaborn drew them


def _from_cmap(cmap, n: int) -> list[tuple]:
    """``n`` colours spread over a colormap, leaving out its two ends (its near-white and near-black)."""
    return [tuple(c[:3]) for c in cmap(np.linspace(0, 1, int(n) + 2)[1:-1])]


def palette(name: str, n: int) -> list[tuple]:
    """``n`` colours: ``"colorblind"``, a matplotlib colormap's name, or ``"<name>_d"`` (that colormap darkened)."""
    from matplotlib.colors import LinearSegmentedColormap, to_rgb

    if name == "colorblind":
        return [to_rgb(COLORBLIND[k % len(COLORBLIND)]) for k in range(n)]
    if name.endswith("_d"):
        ends = _from_cmap(matplotlib.colormaps[name[:-2]], 2) + [to_rgb("#333333")]
        return _from_cmap(LinearSegmentedColormap.from_list("dark", ends), n)
    return _from_cmap(matplotlib.colormaps[name], n)


def _muted(color, prop: float = SATURATION) -> tuple:
    import colorsys

    from matplotlib.colors import to_rgb

    h, lum, s = colorsys.rgb_to_hls(*to_rgb(color))
    return colorsys.hls_to_rgb(h, lum, s * prop)


def _grouped_bars(ax, df: pd.DataFrame, x: str, y: str, hue: str, colors, mute: bool = True) -> None:
    """Bars of the mean ``y`` per ``x`` (in order of appearance), side by side per ``hue``, with a legend entry each."""
    xs = list(dict.fromkeys(df[x]))
    hues = list(dict.fromkeys(df[hue]))
    means = df.groupby([x, hue], sort=False)[y].mean()
    width = 0.8 / max(len(hues), 1)
    for k, (level, color) in enumerate(zip(hues, colors)):
        at = [(i, means[(xv, level)]) for i, xv in enumerate(xs) if (xv, level) in means.index]
        ax.bar(
            [i - 0.4 + k * width for i, _ in at],
            [m for _, m in at],
            width=width,
            align="edge",
            color=_muted(color) if mute else color,
            label=str(level),
        )
    ax.set_xticks(range(len(xs)), [str(v) for v in xs])
    ax.set_xlim(-0.5, len(xs) - 0.5)
    ax.xaxis.grid(False)


def _heat(ax, grid: pd.DataFrame, points: int, lw: float):
    """Cells of ``grid`` (rows top to bottom) coloured on a 1…points blue scale, each with its number;
    NaN cells are left blank for the caller to mark. Returns the mesh (for a colour bar)."""
    from matplotlib.colors import to_rgb

    values = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    mesh = ax.pcolormesh(values, cmap="Blues", vmin=1, vmax=points, linewidths=lw, edgecolor="white")
    ax.set_xlim(0, grid.shape[1])
    ax.set_ylim(grid.shape[0], 0)
    for side in ax.spines.values():
        side.set_visible(False)
    for (i, j), v in np.ndenumerate(values.filled(np.nan)):
        if not np.isnan(v):
            r, g, b = to_rgb(mesh.cmap(mesh.norm(v)))
            lum = sum(
                w * (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
                for w, c in zip((0.2126, 0.7152, 0.0722), (r, g, b))
            )
            ax.text(
                j + 0.5, i + 0.5, score(v), ha="center", va="center", fontsize=FONT, color=".15" if lum > 0.408 else "w"
            )
    return mesh


def _style(ax, title: str | None) -> None:
    if title:
        if is_narrow():  # wrapped to the plot's own width: a title starts where the plot does
            room = ax.get_position().width * ax.figure.get_figwidth()
            title = _wrap(title, max(14, int(room / 0.1)))
        else:
            title = plain(title)
        ax.set_title(title, loc="left", fontsize=FONT + 2, color=INK, fontweight="bold")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(GRID)
    # no tick marks: the gridlines and the labels say where each value is, and a printer draws less
    ax.tick_params(colors=INK, labelsize=FONT, length=0, pad=5)


def _wrap(text: str, width: int = 34) -> str:
    return plain("\n".join(textwrap.wrap(str(text), width, break_long_words=False)) or str(text))


def _label(element: str, names: dict | None, width: int = 34) -> str:
    name = (names or {}).get(element)
    return _wrap(f"{element}. {name}" if name else str(element), width)


def _hidden(rec: dict) -> bool:
    return bool(rec.get("suppressed")) or rec.get("mean") is None or _nan(rec.get("mean"))


def _nan(x) -> bool:
    return isinstance(x, float) and math.isnan(x)


def element_scores(
    elements: list[dict],
    element_names: dict | None = None,
    points: int = 5,
    ax=None,
    title: str | None = "Average score by element, with 95% interval",
    min_group: int | None = None,
    label_key: str = "element",
):
    """Dot per element at its mean, a line for its 95% interval; suppressed rows are a labelled gap.

    ``elements`` are records with ``element`` (or ``label_key``), ``mean``,
    ``ci_low``, ``ci_high`` and ``suppressed``.
    """
    thin = is_narrow()
    labels = [_label(r[label_key], element_names, 42 if thin else 34) for r in elements]
    chars, lines = _extent(labels)
    pitch = 1.0 + (LINE_IN * lines + 0.1) / 0.55 if thin else 1.0  # room above each row for its label
    ax = _ax(
        ax,
        7.0,
        (0.55 if thin else 0.47) * pitch * max(len(elements), 2) + 1.0,  # six rows in under 4 in of a printed page
        left=0.3 if thin else 0.3 + CHAR_IN * chars,
        top=0.5 if title else 0.15,
        bottom=0.55,
    )
    y = np.arange(len(elements))[::-1] * pitch
    hidden_text = f"{HIDDEN}: fewer than {min_group} answers" if min_group else f"{HIDDEN}: too few answers"
    for yi, rec in zip(y, elements):
        if _hidden(rec):
            ax.axhspan(yi - 0.35, yi + 0.35, color=GAP, zorder=0)
            ax.text(
                (1 + points) / 2, yi, hidden_text, ha="center", va="center", fontsize=FONT, color=MUTED, style="italic"
            )
            continue
        lo, hi = rec.get("ci_low"), rec.get("ci_high")
        if lo is not None and hi is not None and not (_nan(lo) or _nan(hi)):
            ax.plot([lo, hi], [yi, yi], color=ACCENT, lw=2.2, alpha=0.55, solid_capstyle="round")
        ax.plot(rec["mean"], yi, "o", color=ACCENT, ms=8, zorder=3)
        if thin:  # the label is above the row: the number goes beside the dot
            ax.text(rec["mean"], yi - 0.22, score(rec["mean"]), ha="center", va="top", fontsize=FONT - 1, color=INK)
        else:
            ax.text(rec["mean"], yi + 0.3, score(rec["mean"]), ha="center", va="bottom", fontsize=FONT - 1, color=INK)
    if thin:
        _row_labels(ax, y, labels)
    else:
        ax.set_yticks(y, labels)
    ax.set_xlim(1 - 0.1, points + 0.1)
    ax.set_ylim(-0.7, (len(elements) - 1) * pitch + (0.3 + pitch - 1 if thin else 0.7))
    ax.set_xticks(range(1, points + 1))
    ax.set_xlabel(f"1 = lowest, {points} = highest", fontsize=FONT, color=MUTED)
    ax.axvline((1 + points) / 2, color=GRID, lw=1, zorder=0)
    ax.grid(axis="x", color=GRID, lw=0.6)
    ax.set_axisbelow(True)
    _style(ax, title)
    return ax


def component_scores(
    components: list[dict],
    points: int = 5,
    ax=None,
    title: str | None = "Readiness components, with 95% interval",
    min_group: int | None = None,
):
    """Like :func:`element_scores`, one row per readiness component (named by ``name``)."""
    recs = [{**c, "label": c.get("name") or c.get("component")} for c in components]
    return element_scores(recs, None, points, ax=ax, title=title, min_group=min_group, label_key="label")


def wave_change(
    by_wave: list[dict],
    element_names: dict | None = None,
    points: int = 5,
    ax=None,
    title: str | None = "Scores by survey wave",
):
    """One line per element across waves; suppressed waves are left out of the line.

    Each line has its own colour (Okabe–Ito, ``line_styles``) and its own marker, and its
    name is written at its end (spread apart where lines end close together), so two lines that
    overlap stay readable in print, in grey and to a colour-blind reader. On a phone the names are
    listed under the plot instead, each with its line's marker.
    """
    df = pd.DataFrame(by_wave, columns=["wave", "element", "mean", "suppressed"])
    thin = is_narrow()
    chars, lines = _extent([_label(e, element_names, 30) for e in df["element"].unique()])
    # the legend, under the plot: a line per element name's line
    below = (
        sum(LINE_IN * _extent([_label(e, element_names, 30)])[1] + 0.05 for e in df["element"].unique()) if thin else 0
    )
    ax = _ax(
        ax,
        7.0,
        3.2 + below,
        left=0.75,
        right=0.95 + CHAR_IN * 0.9 * chars,
        top=0.5 if title else 0.15,
        bottom=0.45 + below,
    )
    waves = list(dict.fromkeys(df["wave"]))
    df["mean"] = pd.to_numeric(df["mean"], errors="coerce")
    df.loc[df["suppressed"].fillna(False).astype(bool), "mean"] = np.nan
    styles = line_styles(max(df["element"].nunique(), 1))
    x = {w: k for k, w in enumerate(waves)}
    ends = []  # (where it ends: wave, value; label, colour, marker) of each line drawn
    for (color, marker), (element, part) in zip(styles, df.groupby("element", sort=False)):
        part = part.dropna(subset=["mean"])
        if part.empty:
            continue
        xs = [x[w] for w in part["wave"]]
        label = _label(element, element_names, 30)
        ax.plot(xs, part["mean"], "-", marker=marker, color=color, lw=2, ms=7, mec="white", mew=0.8, label=label)
        ends.append((xs[-1], float(part["mean"].iloc[-1]), label, color, marker))
    ax.set_xticks(range(len(waves)), waves)
    ax.set_xlim(-0.3, max(len(waves) - 1, 1) + 0.3)
    ax.set_ylim(1, points)
    ax.set_ylabel(f"average (1–{points})", fontsize=FONT, color=MUTED)
    ax.grid(axis="y", color=GRID, lw=0.6)
    if ends and thin:
        ax.legend(
            fontsize=FONT - 1,
            frameon=False,
            loc="lower left",
            bbox_to_anchor=(0.02, 0.01),
            bbox_transform=ax.figure.transFigure,
        )
    elif ends:
        _end_labels(ax, ends, points)
    _style(ax, title)
    return ax


def _end_labels(ax, ends: list[tuple], points: int) -> None:
    """Each line's name beside the plot's right edge, at the height its line ends, with its marker;
    names of lines that end close together are moved apart just enough not to touch, and a thin
    leader joins a moved name to its line."""
    from matplotlib.transforms import blended_transform_factory, offset_copy

    fig = ax.figure
    box = ax.get_position()
    per_unit = box.height * fig.get_figheight() / (points - 1)  # inches per score point
    need = [(LINE_IN * 0.95 * (label.count("\n") + 1) + 0.04) / per_unit for _, _, label, _, _ in ends]
    at = dict(zip(range(len(ends)), _spread([e[1] for e in ends], need, 1, points)))
    edge = blended_transform_factory(ax.transAxes, ax.transData)
    lead = offset_copy(edge, fig, x=0.04, units="inches")
    mark = offset_copy(edge, fig, x=0.12, units="inches")
    word = offset_copy(edge, fig, x=0.24, units="inches")
    for k, (end, value, label, color, marker) in enumerate(ends):
        if abs(at[k] - value) > 1e-9:  # the leader: from the line's end to its moved name
            ax.annotate(
                "",
                xy=(end, value),
                xycoords="data",
                xytext=(1.0, at[k]),
                textcoords=lead,
                arrowprops={"arrowstyle": "-", "color": color, "lw": 0.8, "shrinkA": 0, "shrinkB": 0},
                annotation_clip=False,
            )
        ax.plot([1.0], [at[k]], marker=marker, color=color, ms=7, mec="white", mew=0.8, transform=mark, clip_on=False)
        ax.text(1.0, at[k], label, transform=word, ha="left", va="center", fontsize=FONT - 1, color=INK)


def _spread(targets: list[float], sizes: list[float], low: float, high: float) -> list[float]:
    """Centres for labels of these ``sizes`` as near their ``targets`` as they can be without overlapping:
    labels that would touch form a block centred on their targets' mean, kept between ``low`` and ``high``.

    >>> [round(x, 2) for x in _spread([3.0, 3.0, 1.0], [0.2, 0.2, 0.2], 1, 5)]
    [2.9, 3.1, 1.1]
    """
    order = sorted(range(len(targets)), key=lambda k: targets[k])
    blocks: list[list[int]] = []  # neighbouring labels, packed together

    def place(block):
        total = sum(sizes[k] for k in block)
        centre = sum(targets[k] for k in block) / len(block)
        start = min(max(centre - total / 2, low), high - total)
        return start, total

    for k in order:
        blocks.append([k])
        while len(blocks) > 1:
            s0, t0 = place(blocks[-2])
            s1, _ = place(blocks[-1])
            if s0 + t0 <= s1 + 1e-9:
                break
            blocks[-2:] = [blocks[-2] + blocks[-1]]
    out = [0.0] * len(targets)
    for block in blocks:
        y, _ = place(block)
        for k in block:
            out[k] = y + sizes[k] / 2
            y += sizes[k]
    return out


def key_message_ratings(
    tests: pd.DataFrame | list[dict],
    ax=None,
    title: str | None = "Key-message ratings by version and audience",
    colors: dict | None = None,
):
    """Average rating per message version, one bar per audience, on the key messages' 1–5 scale.

    ``colors`` maps each audience to its colour (``audience_colors`` of every audience the
    county has), so an audience looks the same in each of the county's charts; without it, the
    chart's own audiences are coloured by the same rule.

    ``tests`` has columns ``version`` (label), ``audience`` and ``rating``
    (the mean of one test's ratings); several tests of one pair are averaged.
    The axis runs over the rating scale, 1 (not at all) to 5 (very much), with
    those words at its ends, whatever scale the county's survey uses.
    """

    df = pd.DataFrame(tests, columns=["version", "audience", "rating"])
    thin = is_narrow()
    chars, _ = _extent(df["audience"].astype(str).unique())
    below = (LINE_IN + 0.04) * df["audience"].nunique() + 0.1 if thin else 0  # the legend, under the plot
    ax = _ax(
        ax,
        7.0,
        3.0 + below,
        left=1.3,
        right=0.7 + CHAR_IN * 0.9 * min(chars, 40),
        top=0.3 + 0.22 * (title.count("\n") + 1) if title else 0.15,
        bottom=0.45 + below,
    )
    if df.empty:
        ax.set_axis_off()
        return ax
    df["version"] = df["version"].astype(str).map(plain)
    colors = colors or audience_colors(df["audience"].astype(str))
    hues = [plain(a) for a in dict.fromkeys(df["audience"].astype(str))]
    colors = {plain(a): c for a, c in colors.items()}
    df["audience"] = df["audience"].astype(str).map(plain)
    _grouped_bars(ax, df, "version", "rating", "audience", [colors.get(a, MUTED) for a in hues], mute=False)
    for bars in ax.containers:
        ax.bar_label(bars, labels=[score(b.get_height() + b.get_y()) for b in bars], fontsize=FONT - 1, padding=2)
    ax.set_ylim(LOW, HIGH + 0.4)  # bars rise from the bottom of the scale, 1, not from 0
    ax.set_yticks(range(LOW, HIGH + 1))
    ax.set_yticklabels(
        [f"{k} {ANCHORS[k]}" if k in ANCHORS else str(k) for k in range(LOW, HIGH + 1)], fontsize=FONT - 1
    )
    ax.set_xlabel("")
    ax.set_ylabel("average rating", fontsize=FONT, color=MUTED)
    if thin:
        ax.legend(
            title="",
            fontsize=FONT - 1,
            frameon=False,
            loc="lower left",
            bbox_to_anchor=(0.02, 0.01),
            bbox_transform=ax.figure.transFigure,
        )
    else:
        ax.legend(title="", fontsize=FONT - 1, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _style(ax, title)
    return ax


def competence(frame: pd.DataFrame, ax=None, title: str | None = "Competence now and target"):
    """Share of people at each competence level, now vs target (from ``planning.competence_frame``)."""
    df = pd.DataFrame(frame, columns=["level", "label", "when", "share"])
    wrap = 11 if is_narrow() else 18
    _, lines = _extent([_wrap(x, wrap) for x in df["label"].astype(str)])
    ax = _ax(ax, 7.0, 2.8, left=0.75, top=0.5 if title else 0.15, bottom=0.25 + LINE_IN * lines)
    if df.empty:
        ax.set_axis_off()
        return ax
    df["pct"] = 100 * pd.to_numeric(df["share"], errors="coerce").fillna(0)
    df["label"] = df["label"].map(lambda s: _wrap(s, wrap))
    _grouped_bars(ax, df, "label", "pct", "when", [ACCENT, "#9ca3af"] * max(1, df["when"].nunique()))
    for bars in ax.containers:
        ax.bar_label(bars, fmt="%.0f%%", fontsize=FONT - 1, padding=2)
    ax.set_ylim(0, 110)
    ax.set_xlabel("")
    ax.set_ylabel("% of people", fontsize=FONT, color=MUTED)
    ax.legend(title="", fontsize=FONT - 1, frameon=False)
    _style(ax, title)
    return ax


#: The statewide heatmap's text size (points): its labels stay readable when the page shows it smaller.
HEAT_FONT = 10
#: A county name longer than this is shortened on the heatmap (the table under it names it in full).
HEAT_NAME = 28


def counties_heatmap(
    frame: pd.DataFrame,
    element_names: dict | None = None,
    points: int = 5,
    ax=None,
    title: str | None = "Average score by county and element",
    notes: pd.DataFrame | None = None,
):
    """Counties (rows) × elements (columns); NaN cells (suppressed or not asked) are hatched grey, no number.

    ``notes`` (same shape, text or empty) names why a cell is empty, e.g. "hidden" or
    "not asked", written in the cell so no empty cell can be read as a score. Every word is
    set at ``HEAT_FONT``; a county's name stays on one line (shortened with "…" past
    ``HEAT_NAME`` characters); the colour key lies under the grid at the same size
    whether one county is shown or fifty.
    """
    grid = pd.DataFrame(frame).astype(float)
    rows = [plain(textwrap.shorten(str(c), HEAT_NAME, placeholder="…")) for c in grid.index]
    chars, _ = _extent(rows)
    heads = [_label(e, element_names, 13) for e in grid.columns]
    _, lines = _extent(heads)
    char_in = CHAR_IN * HEAT_FONT / FONT
    top = (0.5 if title else 0.1) + 0.15 + 0.18 * lines
    key_in = 0.85  # the colour key and its label, under the grid
    left = 0.3 + char_in * chars
    ax = _ax(
        ax,
        max(9.5, left + 1.15 * grid.shape[1] + 0.1),  # a column as wide as its name's longest line
        0.4 * max(len(grid), 1) + top + key_in,
        left=left,
        top=top,
        bottom=key_in,
        right=0.1,
    )
    if grid.empty:
        ax.set_axis_off()
        return ax
    mask = grid.isna()
    import seaborn as sns  # the statewide table only, not a packet's charts

    fig = ax.figure
    fw, fh = fig.get_figwidth(), fig.get_figheight()
    box = ax.get_position()
    # a horizontal key of a fixed size, its left end under the grid's
    key = fig.add_axes((box.x0, 0.42 / fh, min(2.8 / fw, box.width), 0.14 / fh))
    sns.heatmap(
        grid,
        ax=ax,
        mask=mask,
        vmin=1,
        vmax=points,
        cmap="Blues",
        annot=grid.map(score),
        fmt="",
        annot_kws={"fontsize": HEAT_FONT},
        linewidths=1.2,
        linecolor="white",
        cbar_ax=key,
        cbar_kws={"orientation": "horizontal"},
    )
    key.set_xlabel(f"average (1–{points}): darker is higher", fontsize=HEAT_FONT, color=INK, labelpad=3)
    key.tick_params(labelsize=HEAT_FONT, length=2, colors=INK)
    key.set_xticks(range(1, points + 1))
    for (i, j), hide in np.ndenumerate(mask.to_numpy()):
        if hide:
            ax.add_patch(
                matplotlib.patches.Rectangle(
                    (j, i), 1, 1, facecolor=GAP, edgecolor="white", lw=1.2, hatch="///", zorder=0.5
                )
            )
            note = notes.iat[i, j] if notes is not None else ""
            if note:
                ax.text(
                    j + 0.5,
                    i + 0.5,
                    plain(note),
                    ha="center",
                    va="center",
                    fontsize=HEAT_FONT,
                    color=INK,
                    fontstyle="italic",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5},
                )
    ax.set_xticks(np.arange(grid.shape[1]) + 0.5, heads, rotation=0)
    ax.set_yticks(np.arange(grid.shape[0]) + 0.5, rows, rotation=0)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.xaxis.tick_top()
    _style(ax, title)
    ax.tick_params(labelsize=HEAT_FONT)
    return ax


def answer_distribution(
    frame: pd.DataFrame,
    labels: list[str],
    element_names: dict | None = None,
    ax=None,
    title: str | None = "How people answered, by element",
):
    r"""Stacked bars: the share of answers at each point of the scale, one bar per element.

    ``frame`` has ``element``, ``point`` (1 … len(labels)) and ``share`` (from
    :func:`orb_widgets.results.distribution`). Element names and the scale's
    labels wrap onto more lines rather than being cut.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> f = pd.DataFrame({"element": ["A", "A"], "point": [1, 2], "share": [0.25, 0.75]})
    >>> ax = answer_distribution(f, ["Strongly disagree", "Strongly agree"],
    ...                          {"A": "Fit and priority of implementing the practice model"})
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['A. Fit and priority of implementing\nthe practice model']
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Strongly\ndisagree', 'Strongly\nagree']
    """
    df = pd.DataFrame(frame, columns=["element", "point", "share"])
    thin = is_narrow()
    elements = list(dict.fromkeys(df["element"]))
    names = [_label(e, element_names, 42 if thin else 36) for e in elements]
    chars, lines = _extent(names)
    legend = [_wrap(x, 12) for x in labels]
    _, legend_lines = _extent(legend)
    ncol = min(len(labels), 3) if thin else len(labels)
    legend_lines *= -(-len(labels) // max(ncol, 1))  # legend rows
    pitch = 1.0 + (LINE_IN * lines + 0.15) / 0.42 if thin else 1.0  # room above each bar for its label
    height = 0.42 * pitch * max(len(elements), 1) * (1 if thin else max(lines, 1) ** 0.5) + 1.0 + LINE_IN * legend_lines
    ax = _ax(
        ax,
        7.5,
        height,
        left=0.3 if thin else 0.3 + CHAR_IN * chars,
        right=0.3,
        top=0.5 if title else 0.15,
        bottom=0.75 + LINE_IN * legend_lines,
    )
    if df.empty:
        ax.set_axis_off()
        return ax
    colors = palette("RdBu", len(labels))
    if len(labels) % 2:  # the middle answer in grey: the palette's near-white vanishes on a white page
        colors[len(labels) // 2] = (0.82, 0.83, 0.85)
    left = pd.Series(0.0, index=elements)
    for point, (label, color) in enumerate(zip(legend, colors), start=1):
        share = df[df["point"] == point].set_index("element")["share"].reindex(elements).fillna(0)
        ys = np.arange(len(elements))[::-1] * pitch
        ax.barh(
            ys if thin else names[::-1],
            (share * 100 if thin else share[::-1] * 100),
            left=(left * 100 if thin else left[::-1] * 100),
            color=color,
            label=label,
            edgecolor="white",
        )
        left += share
    if thin:
        _row_labels(ax, np.arange(len(elements))[::-1] * pitch, names, above=0.45)
        ax.set_ylim(-0.6, (len(elements) - 1) * pitch + pitch - 0.4)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of answers (don't know left out)", fontsize=FONT, color=MUTED)
    # below the axis label, inside the figure: a legend outside it would be cut off in the image
    ax.legend(
        fontsize=FONT - 1,
        frameon=False,
        ncol=ncol,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.02),
        bbox_transform=ax.figure.transFigure,
    )
    _style(ax, title)
    return ax


def timeline(activities: list[dict], ax=None, title: str | None = "Activities on a timeline"):
    """One bar per activity from its start to its end date, labelled with what and who.

    ``activities`` are plan activities as dicts (``what``, ``who``, ``start``,
    ``end``: ISO dates); ones without a start are left out by the caller.
    """
    import datetime as dt

    ax = _ax(ax, 7.5, 0.45 * max(len(activities), 1) + 1.2, left=0.6, right=0.3, top=0.5 if title else 0.15, bottom=0.7)
    spans = [(dt.date.fromisoformat(a["start"]), dt.date.fromisoformat(a.get("end") or a["start"])) for a in activities]
    middle = min(s for s, _ in spans) + (max(e for _, e in spans) - min(s for s, _ in spans)) / 2 if spans else None
    for y, a in enumerate(reversed(activities)):
        start = dt.date.fromisoformat(a["start"])
        end = dt.date.fromisoformat(a["end"]) if a.get("end") else start
        ax.barh(y, max((end - start).days, 3), left=start, color=ACCENT, height=0.5)
        text = a["what"] + (f" ({a['who']})" if a.get("who") else "")
        if is_narrow():  # from the left edge, whatever the start: a label never runs off a phone's chart
            _row_labels(ax, [y + 0.02], [plain(textwrap.shorten(text, 36, placeholder=" …"))])
        else:  # a bar in the later half has its label end where it ends, so the label stays on the chart
            late = start > middle
            ax.text(
                max(end, start + dt.timedelta(days=3)) if late else start,
                y + 0.32,
                plain(textwrap.shorten(text, 90, placeholder=" …")),
                fontsize=FONT - 1,
                va="bottom",
                color=INK,
                ha="right" if late else "left",
            )
    ax.set_yticks([])
    ax.set_ylim(-0.6, len(activities))
    ax.spines["left"].set_visible(False)
    if is_narrow():  # a few dates a phone can hold
        import matplotlib.dates as mdates

        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=2, maxticks=4))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.figure.autofmt_xdate()
    _style(ax, title)
    return ax


def to_svg(ax_or_fig) -> bytes:
    """SVG bytes of a chart (sharp at any print size); closes its figure like :func:`to_png`.

    Text stays text (escaped by matplotlib's XML writer), set in the packet's
    DejaVu Sans: a third of the size of glyph outlines and three times faster
    for WeasyPrint to print. Ids are seeded so the same chart gives the same
    bytes. The SVG holds no script: it is safe inside a self-contained packet.
    """
    fig = ax_or_fig.figure if hasattr(ax_or_fig, "figure") and not isinstance(ax_or_fig, plt.Figure) else ax_or_fig
    buf = io.BytesIO()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "orb-packet", "font.sans-serif": ["DejaVu Sans"]}):
        fig.savefig(buf, format="svg", facecolor="white", metadata={"Date": None})
    plt.close(fig)
    return lean_svg(buf.getvalue())


_STYLE = re.compile(r' style="([^"]*)"')
_SHARED = '<style type="text/css">*{stroke-linejoin: round; stroke-linecap: butt}</style>'  # markup-ok: matched in matplotlib's SVG


def lean_svg(svg: bytes) -> bytes:
    """Matplotlib's SVG in a lighter form that draws the same: no metadata or group ids, and each
    ``style="a: b"`` as plain attributes ``a="b"`` (a printer parses no CSS per shape). The values move
    unchanged from one quoted attribute to another, so their escaping stays as matplotlib wrote it."""
    text = svg.decode("utf-8")
    text = re.sub(r"<\?xml[^>]*>\s*<!DOCTYPE[^>]*>\s*", "", text, count=1)
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)
    if _SHARED in text:  # the one style sheet: inherited from the root instead of matched on every shape
        root = '<svg stroke-linejoin="round" stroke-linecap="butt" '  # markup-ok: matplotlib's root, rewritten
        text = text.replace(_SHARED, "", 1).replace("<svg ", root, 1)  # markup-ok: as above
    text = re.sub(r'<g id="[^"]*">', "<g>", text)

    def attrs(m):
        pairs = (d.split(":", 1) for d in m.group(1).split(";") if ":" in d)
        return "".join(f' {k.strip()}="{v.strip()}"' for k, v in pairs)

    text = _STYLE.sub(attrs, text)
    text = re.sub(r' transform="rotate\(-?0 [-\d. ]+\)"', "", text)  # matplotlib's upright labels "turned" by 0°
    text = re.sub(r"<defs>\s*</defs>|<g(?:\s[^>]*)?/>", "", text)  # empty definitions and groups
    return _unwrap_groups(re.sub(r">\s+<", "><", text)).encode("utf-8")


_GROUP = re.compile(r"<g>|<g\s[^>]*(?<!/)>|</g>")  # markup-ok: matplotlib's groups (none empty by now)


def _unwrap_groups(text: str) -> str:
    """Drop the groups that carry nothing (no transform, clip or style): each one cost a printer a
    graphics state to save and restore, and a chart had about eighty."""
    out, keep, last = [], [], 0
    for m in _GROUP.finditer(text):
        tag = m.group()
        if tag == "</g>":
            drop = not keep.pop()
        else:
            drop = tag == "<g>"  # markup-ok: matplotlib's groups, matched
            keep.append(not drop)
        out.append(text[last : m.start()])
        if not drop:
            out.append(tag)
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def to_png(ax_or_fig, dpi: int = 150) -> bytes:
    """PNG bytes of a chart; closes its figure so charts never pile up in memory."""
    fig = ax_or_fig.figure if hasattr(ax_or_fig, "figure") and not isinstance(ax_or_fig, plt.Figure) else ax_or_fig
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    plt.close(fig)
    return buf.getvalue()
