"""Former home of the pieces every page shares; kept so older imports keep working.

The pieces now live by concern: :mod:`.style` (the look), :mod:`.controls`,
:mod:`.context` (county, wave, who is typing), :mod:`.autosave`,
:mod:`.editor` (one saved entry), :mod:`.choosers`, and the merge of
teammates' edits in :mod:`orb_widgets.merge`.
"""

from __future__ import annotations

from ..merge import merge3
from ..views import when
from .autosave import DELAY, Autosave, flush_all
from .choosers import EntryChooser
from .context import PageRefused, WorkbookContext, open_county, remember_name, remembered_name
from .controls import LABEL_STYLE, NAME_MAX, WIDE, button, text_area, text_box
from .editor import EntryEditor, StatusLine
from .style import chart, download_link, note, section_header

__all__ = [
    "DELAY",
    "LABEL_STYLE",
    "NAME_MAX",
    "WIDE",
    "Autosave",
    "EntryChooser",
    "EntryEditor",
    "PageRefused",
    "StatusLine",
    "WorkbookContext",
    "button",
    "chart",
    "download_link",
    "flush_all",
    "merge3",
    "note",
    "open_county",
    "remember_name",
    "remembered_name",
    "section_header",
    "text_area",
    "text_box",
    "when",
]


def __getattr__(name: str):
    if name == "CSS":
        from .style import style

        return style()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
