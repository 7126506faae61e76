"""The controls every page builds its forms from: labelled text boxes and buttons, one look."""
from __future__ import annotations

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
