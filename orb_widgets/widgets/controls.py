"""The controls every page builds its forms from: labelled text boxes and buttons, one look.

Every label + control pair goes through :func:`field`: the label is the control's own
``description`` (so a screen reader and ``get_by_label`` find it), and where it sits is the style
sheet's business (``templates/partials/responsive.css``): beside the control on a wide screen,
above it on a phone, the control as wide as what it holds and never wider than the screen.
No pixel widths here: a fixed width is what drew labels over their controls on a phone.
"""

from __future__ import annotations

import math

import ipywidgets as w

NAME_MAX = 200
WIDE = w.Layout(width="100%", max_width="980px")
LABEL_STYLE = {"description_width": "initial"}
#: How wide a control is, by what it holds (the widths are in the style sheet, in ems):
#: ``short`` a date or a number, ``medium`` a name, ``long`` a sentence, ``full`` the whole line.
SIZES = ("short", "medium", "long", "full")


def field(control: w.DOMWidget, size: str = "medium") -> w.DOMWidget:
    """Give ``control`` and its label (its ``description``) the pages' one label + control layout.

    >>> box = field(w.Text(description="Audience"), "long")
    >>> sorted(c for c in box._dom_classes if c.startswith("orb-field"))
    ['orb-field', 'orb-field-long']
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, not {size!r}")
    if hasattr(control.style, "description_width"):
        control.style.description_width = "initial"
    control.layout.width = None
    control.add_class("orb-field")
    control.add_class(f"orb-field-{size}")
    return control


def text_area(label: str, placeholder: str = "", rows: int = 3, help: str = "") -> w.Textarea:
    """A text box with its label above it (the label is the widget's own, so screen readers get it)."""
    box = w.Textarea(
        description=label,
        placeholder=placeholder or help,
        tooltip=help or label,
        rows=rows,
        layout=w.Layout(width="100%", flex_flow="column", align_items="stretch"),
        style={"description_width": "auto"},
    )
    box.add_class("orb-stacked")
    return box


def row(*controls: w.DOMWidget) -> w.HBox:
    """Controls side by side on a wide screen, each wrapping onto a line of its own when the screen is narrow."""
    box = w.HBox(list(controls))
    box.add_class("orb-row")
    return box


def text_box(label: str, placeholder: str = "", size: str = "medium") -> w.Text:
    """A one-line text box with its label (see :func:`field` for ``size``)."""
    return field(w.Text(description=label, placeholder=placeholder, tooltip=label), size)


def button(label: str, tooltip: str = "", style: str = "", icon: str = "") -> w.Button:
    return w.Button(
        description=label,
        tooltip=tooltip or label,
        button_style=style,
        icon=icon,
        layout=w.Layout(width="auto", align_self="flex-start"),
    )


def shown_by(control, value):
    """The value ``control``'s view in the browser shows for ``value``, and sends back once drawn.

    A slider's view snaps a value to its step (73 on a step of 5 shows as 75)
    and sends the snapped number back as if someone had moved it; every other
    control here shows a value as it is. :class:`~.editor.EntryEditor` uses
    this to tell that echo from a person's own move: the echo is never an edit.
    """
    if isinstance(control, (w.IntSlider, w.FloatSlider)) and control.step and isinstance(value, (int, float)):
        # noUiSlider rounds half up (JavaScript's Math.round), then keeps within the ends.
        snapped = control.min + math.floor((value - control.min) / control.step + 0.5) * control.step
        snapped = min(max(snapped, control.min), control.max)
        return int(snapped) if isinstance(control, w.IntSlider) else snapped
    return value
