import io
import re

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from orb_widgets import plots

matplotlib.use("Agg")

NAMES = {"A": "Fit & priority", "B": "Climate", "C": "Team structures"}
ELEMENTS = [
    {"element": "A", "n": 40, "mean": 3.4, "ci_low": 3.1, "ci_high": 3.7, "suppressed": False},
    {"element": "B", "n": None, "mean": None, "ci_low": None, "ci_high": None, "suppressed": True},
    {"element": "C", "n": 38, "mean": 2.25, "ci_low": 2.0, "ci_high": 2.5, "suppressed": False},
]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def texts(ax):
    return [t.get_text() for t in ax.texts]


def numbers(strings):
    return [s for s in strings if re.fullmatch(r"-?\d+(\.\d+)?%?", s.strip())]


def test_element_scores_draws_gap_for_suppressed():
    ax = plots.element_scores(ELEMENTS, NAMES, points=5, min_group=5)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A. Fit & priority", "B. Climate", "C. Team structures"]
    # one number per shown element, a labelled gap for the hidden one
    assert sorted(numbers(texts(ax))) == ["2.25", "3.40"]  # 2.25 reads 2.25 here as in every table, not 2.2
    assert any("hidden" in t and "5" in t for t in texts(ax))
    assert ax.get_title(loc="left")


def test_element_scores_uses_given_axes():
    fig, ax = plt.subplots()
    assert plots.element_scores(ELEMENTS, NAMES, ax=ax) is ax


def test_component_scores_labels_by_name():
    comps = [
        {
            "component": "1",
            "name": "Communication for engagement",
            "mean": 3.0,
            "ci_low": 2.8,
            "ci_high": 3.2,
            "suppressed": False,
        }
    ]
    ax = plots.component_scores(comps, points=4)
    assert "Communication for engagement" in ax.get_yticklabels()[0].get_text().replace("\n", " ")
    assert ax.get_xlim()[1] == pytest.approx(4.1)


def test_wave_change_skips_suppressed_points():
    by_wave = [
        {"wave": "2025-fall", "element": "A", "mean": 3.0, "suppressed": False},
        {"wave": "2026-spring", "element": "A", "mean": 3.3, "suppressed": False},
        {"wave": "2025-fall", "element": "B", "mean": None, "suppressed": True},
        {"wave": "2026-spring", "element": "B", "mean": 2.0, "suppressed": False},
    ]
    ax = plots.wave_change(by_wave, NAMES, points=5)
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert list(lines["A. Fit & priority"].get_xdata()) == [0, 1]
    assert list(lines["B. Climate"].get_xdata()) == [1]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2025-fall", "2026-spring"]


def test_key_message_ratings_bars_per_audience():
    tests = [
        {"version": "version 1", "audience": "Staff", "rating": 3.0},
        {"version": "version 1", "audience": "Partners", "rating": 4.0},
        {"version": "version 2", "audience": "Staff", "rating": 4.5},
    ]
    ax = plots.key_message_ratings(tests)
    heights = sorted(round(p.get_height(), 2) for p in ax.patches if p.get_height() > 0)
    assert heights == [3.0, 4.0, 4.5]


def test_competence_now_vs_target():
    frame = pd.DataFrame(
        [
            {"level": "basic", "label": "Basic skills", "when": "now", "share": 0.1},
            {"level": "basic", "label": "Basic skills", "when": "target", "share": 0.2},
        ]
    )
    ax = plots.competence(frame)
    assert sorted(round(p.get_height()) for p in ax.patches if p.get_height() > 0) == [10, 20]


def test_counties_heatmap_masks_missing_cells():
    grid = pd.DataFrame({"A": [3.2, np.nan], "B": [2.5, 4.0]}, index=["North County", "South County"])
    ax = plots.counties_heatmap(grid, NAMES, points=5)
    shown = numbers(texts(ax))
    assert sorted(shown) == ["2.50", "3.20", "4.00"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["North County", "South County"]


def test_empty_inputs_do_not_fail():
    for fn, arg in [(plots.key_message_ratings, []), (plots.competence, []), (plots.counties_heatmap, pd.DataFrame())]:
        ax = fn(arg)  # a blank space where the chart goes: no axes, bars or numbers to misread
        assert (ax.axison, len(ax.patches), len(ax.texts), len(ax.get_lines())) == (False, 0, 0, 0), fn.__name__
        assert plots.to_png(ax)[:8] == b"\x89PNG\r\n\x1a\n", fn.__name__


def test_to_png_returns_png_and_closes_figure():
    ax = plots.element_scores(ELEMENTS, NAMES)
    before = len(plt.get_fignums())
    data = plots.to_png(ax)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(plt.get_fignums()) == before - 1


def test_dollar_signs_in_user_text_are_shown_as_typed():
    tests = [{"version": "v1", "audience": "Staff $ team", "rating": 3.0}]
    ax = plots.key_message_ratings(tests, title="Save $5 and $10")
    plots.to_png(ax)  # would raise in matplotlib's math parser if not escaped
    grid = pd.DataFrame({"A": [3.0]}, index=["$ County"])
    plots.to_png(plots.counties_heatmap(grid, {"A": "Cost $ and $ time"}))


def test_answer_distribution_wraps_long_names_and_scale_labels_instead_of_cutting_them():
    name = "Fit & Priority of implementing the practice model"
    labels = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
    frame = pd.DataFrame([{"element": e, "point": p, "share": 0.2} for e in ("A", "B") for p in range(1, 6)])
    ax = plots.answer_distribution(frame, labels, {"A": name, "B": "Organizational Climate"})
    ticks = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert f"A. {name}" in ticks and "B. Organizational Climate" in ticks
    legend = ax.get_legend()
    assert [t.get_text().replace("\n", " ") for t in legend.get_texts()] == labels
    fig = ax.figure
    fig.canvas.draw()
    inside = fig.bbox.expanded(1.001, 1.001)  # the saved image is the figure: nothing may fall outside it
    for artist in [legend, *ax.get_yticklabels(), ax.xaxis.label]:
        box = artist.get_window_extent()
        assert inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1), artist
    plt.close(fig)


def test_lean_svg_keeps_every_drawing_and_its_nesting():
    from xml.etree import ElementTree

    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [2, 1, 3], label="A")
    ax.barh([0, 1], [2, 3])
    ax.set_title("T & <t>")
    ax.legend()
    ax.tick_params(length=0)  # as the packet draws them: each tick leaves an empty group behind
    full = io.BytesIO()
    with plt.rc_context({"svg.fonttype": "none"}):
        fig.savefig(full, format="svg")
    plt.close(fig)
    raw = full.getvalue()
    assert re.search(rb"<g id=\"[^\"]*\"/>", raw)
    lean = plots.lean_svg(raw).decode("utf-8")
    tree, before = ElementTree.fromstring(lean), ElementTree.fromstring(raw)

    def drawn(root):
        return sorted(el.tag.split("}")[1] for el in root.iter() if el.tag.split("}")[1] in {"path", "text", "use"})

    assert drawn(tree) == drawn(before)
    assert "T &amp; &lt;t&gt;" in lean and "<metadata" not in lean and 'style="' not in lean
    # the groups that clip or move something are kept; the empty ones are gone
    groups = [el for el in tree.iter() if el.tag.endswith("}g")]
    assert all(el.attrib for el in groups)


LONG = {
    "A": "Fit & Priority of implementing the practice model",
    "B": "Organizational Climate",
    "C": "Using Data for Understanding & Improvement",
}
NARROW_CHARTS = {
    "element_scores": lambda: plots.element_scores(ELEMENTS, LONG, points=5, min_group=5),
    "wave_change": lambda: plots.wave_change(
        [
            {"wave": w, "element": e, "mean": m, "suppressed": False}
            for w, ms in (("2025-fall", (3.0, 3.2, 2.8)), ("2026-spring", (3.3, 3.4, 2.9)))
            for e, m in zip("ABC", ms)
        ],
        LONG,
        5,
    ),
    "answer_distribution": lambda: plots.answer_distribution(
        pd.DataFrame({"element": ["A", "A", "C"], "point": [1, 5, 3], "share": [0.4, 0.6, 1.0]}),
        ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"],
        LONG,
    ),
    "key_message_ratings": lambda: plots.key_message_ratings(
        [
            {"version": "Version 1", "audience": "Supervisors and managers", "rating": 3.5},
            {"version": "Version 2", "audience": "Community partners", "rating": 4.0},
        ]
    ),
    "competence": lambda: plots.competence(
        pd.DataFrame(
            [
                {"level": k, "label": lab, "when": w, "share": v}
                for k, lab in (("basic", "Basic skills"), ("independent", "Independent user"))
                for w, v in (("now", 0.4), ("target", 0.8))
            ]
        )
    ),
    "timeline": lambda: plots.timeline(
        [
            {
                "what": "Practice huddles in each unit, every second week",
                "who": "Blair A.",
                "start": "2026-06-01",
                "end": "2026-09-01",
            },
            {"what": "Partner briefing", "start": "2026-01-05", "end": "2026-02-01"},
        ]
    ),
}


@pytest.mark.parametrize("width", ["wide", "narrow"])
def test_timeline_labels_stay_on_the_chart_however_late_an_activity_starts(width):
    acts = [
        {"what": "Practice huddles in each unit", "who": "Supervisors", "start": "2026-01-12", "end": "2026-06-01"},
        {
            "what": "Partner briefing on what changes for them",
            "who": "Deputy director",
            "start": "2026-05-18",
            "end": "2026-05-25",
        },
    ]
    if width == "narrow":
        with plots.narrow():
            ax = plots.timeline(acts)
    else:
        ax = plots.timeline(acts)
    ax.figure.canvas.draw()
    box = ax.figure.bbox
    for t in [*ax.texts, *ax.get_xticklabels()]:
        b = t.get_window_extent(ax.figure.canvas.get_renderer())
        assert box.x0 - 1 <= b.x0 and b.x1 <= box.x1 + 1, f"{t.get_text()!r} runs off the {width} chart"


@pytest.mark.parametrize("name", list(NARROW_CHARTS))
def test_a_chart_drawn_for_a_phone_is_narrow_and_every_word_of_it_fits(name):
    """On a phone a chart is its own narrow drawing, not the wide one shrunk: every title, label, number and
    legend entry lies inside the figure, row labels sit above their rows (no labels beside the plot)."""
    with plots.narrow():
        ax = NARROW_CHARTS[name]()
    fig = ax.figure
    assert fig.get_figwidth() == pytest.approx(plots.NARROW_WIDTH)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    legend = ax.get_legend()
    words = [
        *ax.texts,
        ax.title,
        ax._left_title,
        *ax.get_yticklabels(),
        *ax.get_xticklabels(),
        *(legend.get_texts() if legend else []),
    ]
    for t in words:
        if not t.get_text() or not t.get_visible():
            continue
        b = t.get_window_extent(renderer)
        assert b.x0 >= box.x0 - 1 and b.x1 <= box.x1 + 1, f"{name}: {t.get_text()!r} runs off the chart"
    if name in ("element_scores", "answer_distribution"):
        assert [t.get_text() for t in ax.get_yticklabels()] == []
        assert "A. Fit & Priority of implementing the practice model" in " ".join(
            t.get_text().replace("\n", " ") for t in ax.texts
        )
    assert not plots.is_narrow()  # only inside the block


SIX = {
    "A": "Vision & goals",
    "B": "Key people & ambassadors",
    "C": "Training & practice",
    "D": "Active school leadership",
    "E": "Psychological safety & learning",
    "F": "Follow-up & quality",
}


def _six_waves(ends):
    """Two waves of six elements; ``ends`` their second wave's means (D and F may end together)."""
    start = dict(zip("ABCDEF", (3.0, 2.7, 2.93, 3.3, 2.62, 3.04)))
    return [
        {"wave": w, "element": e, "mean": m, "suppressed": False}
        for e in "ABCDEF"
        for w, m in (("2025-fall", start[e]), ("2026-spring", ends[e]))
    ]


def test_wave_lines_differ_in_colour_and_marker_and_are_named_at_their_ends():
    """Lines that end together (D and F here, at 3.12) stay apart: Okabe–Ito colours, a marker each, and
    each name written at its line's end instead of a legend, the names never on top of each other."""
    from matplotlib.colors import to_hex

    ends = dict(zip("ABCDEF", (2.95, 2.84, 2.98, 3.12, 3.11, 3.12)))
    ax = plots.wave_change(_six_waves(ends), SIX, points=4)
    lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert len(lines) == 6
    colours = [to_hex(ln.get_color()) for ln in lines]
    markers = [ln.get_marker() for ln in lines]
    assert len(set(colours)) == 6 and len(set(markers)) == 6
    assert set(colours) <= set(plots.OKABE_ITO)
    assert ax.get_legend() is None
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    names = {t.get_text().replace("\n", " "): t for t in ax.texts}
    plot_right = ax.get_window_extent(renderer).x1
    boxes = []
    for e, name in SIX.items():
        t = names[f"{e}. {name}"]
        b = t.get_window_extent(renderer)
        assert b.x0 > plot_right and b.x1 <= fig.bbox.x1 + 1, f"{name} is not beside the plot's right edge"
        boxes.append(b)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a.y1 <= b.y0 + 0.5 or b.y1 <= a.y0 + 0.5, "two line names overlap"
    # the names keep the order in which their lines end, top to bottom
    centre = {e: (b.y0 + b.y1) / 2 for e, b in zip("ABCDEF", boxes)}
    for e in "ABCDEF":
        for f in "ABCDEF":
            if ends[e] < ends[f]:
                assert centre[e] < centre[f], (e, f)


def test_wave_chart_svg_keeps_the_palette_and_markers():
    svg = plots.to_svg(plots.wave_change(_six_waves(dict(zip("ABCDEF", (3.0,) * 6))), SIX, points=4)).decode()
    for colour in plots.OKABE_ITO[:6]:
        assert colour in svg.lower()
    assert "#de8f05" not in svg and "#ca9161" not in svg  # the two orange-browns that looked like D's line


def test_an_audience_has_one_colour_in_every_chart():
    """Colours follow the county's full list of audiences, not each chart's own order."""
    from matplotlib.colors import to_hex

    colors = plots.audience_colors(["Teachers", "Guardians", "Teaching assistants"])
    first = [
        {"version": "Version 1", "audience": "Guardians", "rating": 3.0},
        {"version": "Version 1", "audience": "Teaching assistants", "rating": 3.0},
    ]
    second = [
        {"version": "Version 1", "audience": "Teachers", "rating": 3.0},
        {"version": "Version 1", "audience": "Guardians", "rating": 2.4},
    ]
    seen = {}
    for tests in (first, second):
        ax = plots.key_message_ratings(tests, colors=colors)
        for bars in ax.containers:
            seen.setdefault(bars.get_label(), set()).update(to_hex(p.get_facecolor()) for p in bars)
    assert all(len(c) == 1 for c in seen.values()), seen
    assert len({c for cs in seen.values() for c in cs}) == 3  # and three audiences, three colours
    assert seen["Guardians"] == {colors["Guardians"]}


def _svg_font_sizes(svg: bytes) -> list[tuple[str, float]]:
    from xml.etree import ElementTree

    out = []
    for t in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}text"):
        size = t.get("font-size") or re.search(r"font-size:\s*([\d.]+)", t.get("style", "")).group(1)
        out.append(("".join(t.itertext()), float(re.match(r"[\d.]+", size).group())))
    return out


def test_heatmap_words_are_at_least_ten_px_and_county_names_on_one_line():
    long_name = "Saint Bartholomew-by-the-Sea Unified County"
    grid = pd.DataFrame({"A": [3.2, np.nan], "B": [2.5, 4.0]}, index=["North County", long_name])
    ax = plots.counties_heatmap(grid, {"A": "Fit & Priority of implementing the practice model", "B": "Climate"})
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows[0] == "North County" and all("\n" not in r for r in rows)
    assert len(rows[1]) <= plots.HEAT_NAME and rows[1].endswith("…")
    sizes = _svg_font_sizes(plots.to_svg(ax))
    assert sizes and min(size for _, size in sizes) >= 10, [s for s in sizes if s[1] < 10]


@pytest.mark.parametrize("counties", [1, 12])
def test_heatmap_colour_key_is_full_size_however_many_counties(counties):
    grid = pd.DataFrame({"A": np.linspace(1.5, 4.5, counties)}, index=[f"County {k}" for k in range(counties)])
    ax = plots.counties_heatmap(grid, {"A": "Climate"}, points=4)
    fig = ax.figure
    key = [a for a in fig.axes if a is not ax]
    assert len(key) == 1
    box = key[0].get_position()
    width_in, height_in = box.width * fig.get_figwidth(), box.height * fig.get_figheight()
    assert width_in >= 2.0 and height_in >= 0.12, (width_in, height_in)
    assert [t.get_text() for t in key[0].get_xticklabels()] == ["1", "2", "3", "4"]
