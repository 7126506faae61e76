"""How the workbook pages look: the style sheet and the small pieces of page every step uses.

Every piece is rendered from a partial in ``templates/partials/`` through
:func:`orb_widgets.render.render` (autoescaping Jinja), so text a person
typed is escaped wherever it shows and no markup is written in Python.
Values handed to widgets are plain ``str`` (a widget's value is a string).
"""

from __future__ import annotations

import base64
import functools
import re
from dataclasses import dataclass

import ipywidgets as w
from markupsafe import Markup

from ..render import render


def html(partial: str, **context) -> str:
    """A partial rendered for a widget's value: escaped HTML as a plain string."""
    return str(render(partial, **context))


@functools.lru_cache(maxsize=2)
def style(live: bool = False) -> Markup:
    """The style sheet every page carries (``live``: with the larger type for a shared screen)."""
    return render("widget_style.html.j2", live=live)


def styled(partial: str, live: bool = False, **context) -> w.HTML:
    """A widget showing a partial, with the page's style sheet in front of it."""
    return w.HTML(str(style(live) + render(partial, **context)))


def section_header(title: str, intro: str = "") -> w.HTML:
    """A consistent heading for a part of a page, with a line of plain guidance."""
    return styled("widget_header.html.j2", title=title, intro=intro)


def note(text: str) -> w.HTML:
    """A quiet line of guidance."""
    return w.HTML(html("widget_note.html.j2", text=text))


def subheading(text: str, cls: str = "") -> w.HTML:
    """A small heading inside a part of a page."""
    return w.HTML(html("widget_sub.html.j2", text=text, cls=cls))


@dataclass(frozen=True)
class Download:
    """A link that downloads its data from the page itself (works in voila and in JupyterLab)."""

    file_name: str
    href: str
    label: str


def download(file_name: str, data: str | bytes, mime: str, label: str) -> Download:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return Download(file_name, f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}", label)


def status(text: str, kind: str = "ok", links=()) -> str:
    """A status (``ok``, ``idle``) or problem (``warn``, ``err``) line, with download links after it."""
    return html("widget_status.html.j2", text=text, kind=kind, links=tuple(links))


def download_link(file_name: str, data: str | bytes, mime: str, label: str) -> str:
    """One download link on a line of its own."""
    return status("", "ok", [download(file_name, data, mime, label)])


def chart(draw, alt: str) -> Markup:
    """A chart drawn for the width it gets, with alternative text (screen readers read ``alt``); markup.

    ``draw`` is a function of no arguments that draws the chart and returns its axes: it is drawn
    twice, for a wide screen and (inside :func:`orb_widgets.plots.narrow`) for a phone, and the page
    shows the one that fits (``responsive.css``). An axes already drawn is shown as it is. Either way
    the chart is an SVG as wide as its box, never wider than it was drawn, never scrolling sideways.
    """
    from .. import plots

    if callable(draw):
        wide = plots.to_svg(draw())
        with plots.narrow():
            thin = plots.to_svg(draw())
    else:
        wide, thin = plots.to_svg(draw), None
    return render("widget_chart.html.j2", wide=svg_image(wide), narrow=svg_image(thin) if thin else None, alt=alt)


@dataclass(frozen=True)
class SvgImage:
    """An SVG chart as an ``<img>`` source, with the width it was drawn at (CSS pixels)."""

    src: str
    width: int


def svg_image(svg: bytes) -> SvgImage:
    points = re.search(rb'<svg[^>]*\swidth="([\d.]+)pt"', svg)
    width = round(float(points.group(1)) * 4 / 3) if points else 720
    return SvgImage("data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"), width)


def svg_chart(svg: str, alt: str, narrow: str | None = None) -> Markup:
    """A chart already drawn as SVG (as the packets draw it, kept in the results cache), with its phone
    drawing when there is one, as :func:`chart` shows it."""
    return render(
        "widget_chart.html.j2",
        wide=svg_image(svg.encode("utf-8")),
        alt=alt,
        narrow=svg_image(narrow.encode("utf-8")) if narrow else None,
    )


def kept_chart(store, name: str, inputs, draw, alt: str) -> Markup:
    """A chart drawn from what a team typed, drawn once per ``inputs`` and kept in the workspace
    (:func:`orb_widgets.cache.drawn`): opening the page again shows the kept SVG without drawing."""
    from ..cache import drawn

    made = drawn(store, name, inputs, draw, alt)
    return svg_chart(made["svg"], made["alt"], made["narrow"])


def refused(reason) -> w.HTML:
    """What a page shows instead of its content when it may not open."""
    return styled("widget_refused.html.j2", reason=str(reason))


def __getattr__(name: str):
    if name == "CSS":  # the style sheet as a string, for pages that put it in front of their own markup
        return style()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
