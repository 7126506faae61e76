"""The controls every page builds its forms from: labelled text boxes and buttons, one look."""
from __future__ import annotations

import math

import ipywidgets as w

NAME_MAX = 200
WIDE = w.Layout(width="100%", max_width="980px")
LABEL_STYLE = {"description_width": "initial"}


def text_area(label: str, placeholder: str = "", rows: int = 3, help: str = "") -> w.Textarea:
    """A text box with its label above it (the label is the widget's own, so screen readers get it)."""
    box = w.Textarea(description=label, placeholder=placeholder or help, tooltip=help or label, rows=rows,
                     layout=w.Layout(width="100%", max_width="900px", flex_flow="column",
                                     align_items="stretch"),
                     style={"description_width": "auto"})
    box.add_class("orb-stacked")
    return box


def text_box(label: str, placeholder: str = "", width: str = "420px") -> w.Text:
    return w.Text(description=label, placeholder=placeholder, tooltip=label,
                  layout=w.Layout(width=width), style=LABEL_STYLE)


def button(label: str, tooltip: str = "", style: str = "", icon: str = "") -> w.Button:
    return w.Button(description=label, tooltip=tooltip or label, button_style=style, icon=icon,
                    layout=w.Layout(width="auto", align_self="flex-start"))


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
