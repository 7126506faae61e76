"""SVG chart labels printed as whole words, not letter by letter.

WeasyPrint draws every SVG ``<text>`` one character at a time, each with its
own Pango layout, so that per-letter ``x``/``y``/``dx``/``dy``/``rotate`` lists
can place each glyph. A chart's labels never use those lists, yet paid for
them: about a tenth of a packet's printing time, and combining marks and
ligatures come apart (WeasyPrint issue 2249, where the maintainers suggest
this very fix: "draw the whole text ... when there's no specified x, y, dx, dy
or rotate values for specific glyphs").

:func:`whole_text_runs` applies that fix while a packet prints, and only to a
``<text>`` with one position and none of those attributes; anything else, and
any WeasyPrint whose SVG code no longer looks as expected, takes WeasyPrint's
own route. It restores WeasyPrint as it found it afterwards.
"""

from __future__ import annotations

import contextlib
import importlib
from math import inf

# Attributes that place or space single glyphs, or move the baseline: a text using any of them is drawn
# by WeasyPrint itself.
PER_GLYPH = (
    "dx",
    "dy",
    "rotate",
    "letter-spacing",
    "textLength",
    "lengthAdjust",
    "direction",
    "display-anchor",
    "dominant-baseline",
    "alignment-baseline",
)


def _parts():
    """WeasyPrint's pieces this needs, or None when its SVG text code is not the one this was written for."""
    try:
        svg = importlib.import_module("weasyprint.svg")
        text_mod = importlib.import_module("weasyprint.svg.text")
        from weasyprint.css.properties import INITIAL_VALUES
        from weasyprint.draw.text import draw_emojis, draw_first_line
        from weasyprint.matrix import Matrix
        from weasyprint.svg.bounding_box import extend_bounding_box
        from weasyprint.svg.utils import normalize, size
        from weasyprint.text.line_break import split_first_line
    except ImportError:
        return None
    stock = getattr(text_mod, "text", None)
    if (
        stock is None
        or getattr(svg, "TAGS", {}).get("text") is not stock
        or getattr(svg, "text", None) is not stock
        or not hasattr(text_mod, "TextBox")
        or not hasattr(text_mod, "Style")
    ):
        return None
    return dict(
        svg=svg,
        text_mod=text_mod,
        stock=stock,
        INITIAL_VALUES=INITIAL_VALUES,
        draw_emojis=draw_emojis,
        draw_first_line=draw_first_line,
        Matrix=Matrix,
        extend_bounding_box=extend_bounding_box,
        normalize=normalize,
        size=size,
        split_first_line=split_first_line,
    )


def _single(value, normalize) -> bool:
    return value is None or len(normalize(value).strip().split(" ")) == 1


def _whole_text(p):
    stock, text_mod = p["stock"], p["text_mod"]

    def text(svg, node, font_size):
        """WeasyPrint's SVG text drawing, with a label of one position laid out and drawn as one run."""
        attrs = node.attrib
        if (
            node.tag != "text"
            or not node.text
            or getattr(svg, "text_path_width", 0)
            or any(name in attrs for name in PER_GLYPH)
            or not (_single(attrs.get("x"), p["normalize"]) and _single(attrs.get("y"), p["normalize"]))
        ):
            return stock(svg, node, font_size)
        style = text_mod.Style()
        style.update(p["INITIAL_VALUES"])
        style.font_config = svg.font_config
        style["font_family"] = [font.strip("\"' ") for font in node.get("font-family", "sans-serif").split(",")]
        style["font_style"] = node.get("font-style", "normal")
        weight = str(node.get("font-weight", 400))
        style["font_weight"] = {"normal": 400, "bold": 700}.get(weight, int(weight) if weight.isdigit() else 400)
        style["font_size"] = font_size
        layout, _, _, width, height, baseline = p["split_first_line"](node.text, style, svg.context, inf, 0)
        x = p["size"](attrs["x"], font_size, svg.inner_width) if "x" in attrs else None
        y = p["size"](attrs["y"], font_size, svg.inner_height) if "y" in attrs else None
        # where the run starts, as WeasyPrint's route places a first letter (its offsets included)
        if x:
            svg.cursor_d_position[0] = 0
        if y:
            svg.cursor_d_position[1] = 0
        x = svg.cursor_position[0] if x is None else x
        y = svg.cursor_position[1] if y is None else y
        svg.cursor_position = x + width, y
        x, y = x + svg.cursor_d_position[0], y + svg.cursor_d_position[1]
        # the box WeasyPrint's text-anchor shift reads, as its letter-by-letter route would have made it
        node.text_bounding_box = p["extend_bounding_box"](
            node.text_bounding_box, ((x, y - baseline), (x + width, y - baseline + height))
        )
        svg.stream.push_state()
        fill, stroke = svg.set_graphical_state(node, font_size)
        svg.stream.begin_text()
        layout.reactivate(style)
        svg.fill_stroke(fill, stroke, text=True)
        box = text_mod.TextBox(layout, style)
        box.baseline = baseline
        emojis = p["draw_first_line"](svg.stream, box, "none", "none", p["Matrix"](a=1, d=-1, e=x, f=y))
        svg.stream.end_text()
        svg.stream.pop_state()
        p["draw_emojis"](svg.stream, style, x, y, emojis)

    return text


def available() -> bool:
    """Whether the installed WeasyPrint is one this fix knows (otherwise its own route is used, only slower)."""
    return _parts() is not None


@contextlib.contextmanager
def whole_text_runs():
    """While inside, WeasyPrint draws a simple SVG ``<text>`` as one run; restored on the way out."""
    p = _parts()
    if p is None:
        yield False
        return
    svg, stock = p["svg"], p["stock"]
    fast = _whole_text(p)
    tags = [tag for tag, draw in svg.TAGS.items() if draw is stock]  # text, tspan, textPath, a: all one drawer
    for tag in tags:
        svg.TAGS[tag] = fast
    svg.text = fast  # draw_node compares a node's drawer with this name to decide on text-anchor handling
    try:
        yield True
    finally:
        for tag in tags:
            svg.TAGS[tag] = stock
        svg.text = stock
